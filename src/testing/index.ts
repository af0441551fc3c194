/**
 * Public API of the bundled fake model provider, a test double for tests, the offline demo and the bench: the
 * package entry point `healthbench/testing` (package.json `exports`), apart from the library (`healthbench`).
 */
export { startFakeProvider } from './fake-provider.js';
export type {
  FakeBatchOptions,
  FakeBatchStats,
  FakeFaults,
  FakeMessage,
  FakeProvider,
  FakeProviderOptions,
  FakeProviderStats,
  FakeReply,
  FakeRequest,
  FakeRequestKind,
  TimelinePoint,
} from './fake-provider.js';
