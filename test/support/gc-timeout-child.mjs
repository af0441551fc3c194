// Run with `node --expose-gc gc-timeout-child.mjs BASE_URL` against a server that never answers: makes one call
// through the built client (3 attempts of 300 ms) while forcing garbage collection every 20 ms, and prints how it
// ended. With a timer nothing holds on to, collection would cancel the timeout and the call would hang forever.
import { ClientPool } from '../../dist/providers/factory.js';

const pool = new ClientPool({ OPENAI_API_KEY: 'gc-test-key' });
const client = pool.create(
  { provider: 'openai', model: 'hung' },
  { baseURL: process.argv[2], rpm: null, tpm: null, maxInFlight: 4, maxRetries: 2, timeoutMs: 300 },
  '--model',
);
let gcRuns = 0;
const gc = setInterval(() => {
  globalThis.gc();
  gcRuns += 1;
}, 20);
try {
  await client.complete({ messages: [{ role: 'user', content: 'hello' }], params: { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null } });
  process.stdout.write(JSON.stringify({ cause: 'answered' }));
} catch (err) {
  const attempts = Number(/\((\d+) attempts?\)/.exec(String(err.message))?.[1] ?? 0);
  process.stdout.write(JSON.stringify({ cause: err.causeLabel ?? String(err), attempts, gcRuns }));
} finally {
  clearInterval(gc);
}
