import type { EvalDeps, EvalOptions } from '../runner/eval.js';

/**
 * Runs `run` with the bundled test double listening when the options ask for it (`--fake-server`), closing it
 * afterwards. The double is its own entry point (`healthbench/testing`): only this CLI edge loads it, only then.
 */
export async function withTestDouble<T>(options: EvalOptions, deps: EvalDeps, run: (deps: EvalDeps) => Promise<T>): Promise<T> {
  if (!options.fakeServer) return run(deps);
  const { startFakeProvider } = await import('../testing/index.js');
  const fake = await startFakeProvider(options.fakeServer);
  deps.logger.info({ url: fake.url }, 'started the bundled fake provider (test double)');
  try {
    return await run({ ...deps, testDouble: { openaiBaseUrl: fake.openaiBaseUrl, anthropicBaseUrl: fake.anthropicBaseUrl } });
  } finally {
    await fake.close();
  }
}
