import type { EvalOptions } from '../../src/runner/eval.js';

/**
 * `EvalOptions` as the CLI would build them with no flags beyond the ones a test sets: the reference protocol, no
 * files, no quotas, a small pool and short timeouts. Each test file states what it exercises in `overrides`.
 */
export function evalOptions(overrides: Partial<EvalOptions>): EvalOptions {
  return {
    task: 'healthbench',
    dataset: 'demo',
    limit: undefined,
    repeats: 1,
    seed: 42,
    model: 'openai:cand-model',
    responses: 'model',
    baseUrl: null,
    systemPrompt: undefined,
    temperature: undefined,
    maxTokens: undefined,
    graders: [],
    graderBaseUrl: null,
    graderTemplatePath: null,
    graderAttempts: 3,
    graderVote: 'first',
    concurrency: 8,
    rpm: null,
    tpm: null,
    timeoutMs: 10_000,
    maxRetries: 2,
    maxErrors: '100%',
    outDir: null,
    resume: false,
    cacheDir: null,
    fakeServer: null,
    promptStyle: 'zero_shot',
    medcalcCompat: 'current',
    labelsPath: null,
    exemplarsPath: null,
    gatePolicyPath: null,
    baselinePath: null,
    allowGraderChange: false,
    pricesPath: null,
    graderMode: 'per-criterion',
    batchedTemplatePath: null,
    ...overrides,
  };
}
