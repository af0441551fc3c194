import { UsageError } from '../core/errors.js';
import { parseLabels } from '../runner/audit.js';
import { resolveMaxErrors, taskForDataset, type EvalOptions } from '../runner/eval.js';
import { parseShard } from '../runner/shard.js';
import type { LengthAdjustmentChoice } from '../tasks/healthbench/prepare.js';
import { DEFAULT_BATCH_SETTINGS, type BatchSettings } from '../runner/batch-settings.js';

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
import { LOG_LEVELS, logLevelFlag, numberFlag, oneOf, parseFlags } from './args.js';

/** Every flag of `healthbench eval` (and, with a few more, `meta-eval`). */
export const FLAGS = {
  dataset: { type: 'string' },
  limit: { type: 'string' },
  repeats: { type: 'string' },
  responses: { type: 'string' },
  model: { type: 'string' },
  'base-url': { type: 'string' },
  'system-prompt': { type: 'string' },
  temperature: { type: 'string' },
  'max-tokens': { type: 'string' },
  api: { type: 'string' },
  'grader-api': { type: 'string' },
  'reasoning-effort': { type: 'string' },
  'grader-reasoning-effort': { type: 'string' },
  'length-adjustment': { type: 'string' },
  'length-adjustment-center': { type: 'string' },
  'length-adjustment-penalty': { type: 'string' },
  grader: { type: 'string', multiple: true },
  'grader-vote': { type: 'string' },
  'grader-base-url': { type: 'string' },
  'grader-template': { type: 'string' },
  'grader-attempts': { type: 'string' },
  'grader-mode': { type: 'string' },
  'batched-template': { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'string' },
  concurrency: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  otpm: { type: 'string' },
  burst: { type: 'string' },
  'rate-limit-timeout': { type: 'string' },
  timeout: { type: 'string' },
  'max-retries': { type: 'string' },
  'max-errors': { type: 'string' },
  cache: { type: 'string' },
  seed: { type: 'string' },
  shard: { type: 'string' },
  label: { type: 'string', multiple: true },
  'fake-server': { type: 'boolean' },
  'prompt-style': { type: 'string' },
  'medcalc-compat': { type: 'string' },
  labels: { type: 'string' },
  exemplars: { type: 'string' },
  gate: { type: 'string' },
  'dry-run': { type: 'boolean' },
  prices: { type: 'string' },
  batch: { type: 'boolean' },
  'batch-fallback': { type: 'string' },
  'batch-attempts': { type: 'string' },
  'batch-poll': { type: 'string' },
  'batch-max-requests': { type: 'string' },
  'batch-max-bytes': { type: 'string' },
  'cancel-batches': { type: 'boolean' },
  baseline: { type: 'string' },
  'allow-grader-change': { type: 'boolean' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
  'log-format': { type: 'string' },
  progress: { type: 'string' },
  config: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Range rules of the numeric flags: checked for flags and config files alike. */
export const NUMERIC_FLAGS = {
  limit: { integer: true, min: 1 },
  repeats: { integer: true, min: 1 },
  seed: { integer: true, min: 0 },
  temperature: { min: 0, max: 2 },
  'max-tokens': { integer: true, min: 1 },
  'grader-attempts': { integer: true, min: 1, max: 20 },
  concurrency: { integer: true, min: 1, max: 4096 },
  rpm: { integer: true, min: 1 },
  tpm: { integer: true, min: 1 },
  otpm: { integer: true, min: 1 },
  burst: { min: 0.001, max: 60 },
  'rate-limit-timeout': { min: 1 },
  'batch-attempts': { integer: true, min: 1, max: 20 },
  'batch-poll': { min: 0.001 },
  'batch-max-requests': { integer: true, min: 1 },
  'batch-max-bytes': { integer: true, min: 1024 },
  timeout: { min: 0.001 },
  'max-retries': { integer: true, min: 0, max: 20 },
  'length-adjustment-center': { min: 0 },
  'length-adjustment-penalty': { min: 0 },
} as const satisfies Record<string, { integer?: boolean; min?: number; max?: number }>;

/** The flags with a fixed set of values, default first. */
export const CHOICE_FLAGS = {
  responses: ['model', 'physician', 'reference'],
  'grader-vote': ['first', 'majority'],
  'grader-mode': ['per-criterion', 'batched'],
  'prompt-style': ['zero_shot', 'one_shot', 'direct_answer'],
  'medcalc-compat': ['current', 'v1.0'],
  progress: ['bar', 'lines', 'none'],
  'log-format': ['pretty', 'json'],
  'log-level': LOG_LEVELS,
  'batch-fallback': ['none', 'live'],
  api: ['auto', 'chat', 'responses'],
  'grader-api': ['auto', 'chat', 'responses'],
  'length-adjustment': ['published', 'none'],
  // No default: absent means the model's own.
  'reasoning-effort': EFFORTS,
  'grader-reasoning-effort': EFFORTS,
} as const;

/** `--length-adjustment` with `--length-adjustment-center/-penalty`: a preset, or both numbers, never a mix. */
function lengthAdjustmentOf(v: FlagValues): LengthAdjustmentChoice {
  const center = num(v, 'length-adjustment-center');
  const penalty = num(v, 'length-adjustment-penalty');
  if ((center === undefined) !== (penalty === undefined)) {
    throw new UsageError(
      '--length-adjustment-center and --length-adjustment-penalty go together: give both (or --length-adjustment published)',
    );
  }
  const preset = v['length-adjustment'];
  if (center !== undefined && penalty !== undefined) {
    if (preset !== undefined)
      throw new UsageError(`--length-adjustment ${preset} and --length-adjustment-center/-penalty contradict each other; give one`);
    return { kind: 'custom', center, penalty };
  }
  if (preset === undefined) return { kind: 'default' };
  return { kind: choice(v, 'length-adjustment') };
}

type FlagValues = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

const num = (v: FlagValues, name: keyof typeof NUMERIC_FLAGS): number | undefined => numberFlag(v[name], name, NUMERIC_FLAGS[name]);
const choice = <K extends keyof typeof CHOICE_FLAGS>(v: FlagValues, name: K): (typeof CHOICE_FLAGS)[K][number] =>
  oneOf(v[name], name, CHOICE_FLAGS[name], CHOICE_FLAGS[name][0]);

/** `--max-errors`: checked now (a count, or a percentage up to 100%), resolved against the sample count later. */
function maxErrorsFlag(value: string | undefined): string {
  if (value === undefined) return '5%';
  resolveMaxErrors(value, 1);
  return value;
}

/** `--batch` and its flags; `--cancel-batches` implies batch mode. */
function toBatchSettings(v: FlagValues): BatchSettings | null {
  const batchOnly = ['batch-fallback', 'batch-attempts', 'batch-poll', 'batch-max-requests', 'batch-max-bytes'] as const;
  if (!v.batch && !v['cancel-batches']) {
    const stray = batchOnly.find((f) => v[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} applies to batch runs only: add --batch`);
    return null;
  }
  if (v['cancel-batches'] && v.resume === undefined && v.out === undefined) {
    throw new UsageError('--cancel-batches needs the run to act on: --resume DIR');
  }
  return {
    fallbackLive: choice(v, 'batch-fallback') === 'live',
    attempts: num(v, 'batch-attempts') ?? DEFAULT_BATCH_SETTINGS.attempts,
    pollMs: (num(v, 'batch-poll') ?? DEFAULT_BATCH_SETTINGS.pollMs / 1000) * 1000,
    cancelBatches: v['cancel-batches'] ?? false,
    maxRequests: num(v, 'batch-max-requests') ?? null,
    maxBytes: num(v, 'batch-max-bytes') ?? null,
  };
}

/** Flag values → EvalOptions (also used by `meta-eval`). */
export function toEvalOptions(v: FlagValues): EvalOptions {
  const dataset = v.dataset ?? 'healthbench';
  const lengthAdjustment = lengthAdjustmentOf(v);
  if (lengthAdjustment.kind !== 'default' && taskForDataset(dataset) === 'medcalc') {
    throw new UsageError('--length-adjustment*: the length-adjusted score is for HealthBench sets, not MedCalc-Bench; drop the flag');
  }
  choice(v, 'progress');
  choice(v, 'log-format');
  logLevelFlag(v['log-level']);
  return {
    task: taskForDataset(dataset),
    dataset,
    limit: num(v, 'limit'),
    repeats: num(v, 'repeats') ?? 1,
    seed: num(v, 'seed') ?? 42,
    model: v.model ?? null,
    responses: choice(v, 'responses'),
    baseUrl: v['base-url'] ?? null,
    systemPrompt: v['system-prompt'] === undefined ? undefined : v['system-prompt'] === 'none' ? null : v['system-prompt'],
    temperature: num(v, 'temperature'),
    maxTokens: num(v, 'max-tokens'),
    api: choice(v, 'api'),
    graderApi: choice(v, 'grader-api'),
    reasoningEffort: v['reasoning-effort'] === undefined ? null : choice(v, 'reasoning-effort'),
    graderReasoningEffort: v['grader-reasoning-effort'] === undefined ? null : choice(v, 'grader-reasoning-effort'),
    lengthAdjustment,
    graders: v.grader ?? [],
    graderVote: choice(v, 'grader-vote'),
    graderBaseUrl: v['grader-base-url'] ?? null,
    graderTemplatePath: v['grader-template'] ?? null,
    graderMode: choice(v, 'grader-mode'),
    batchedTemplatePath: v['batched-template'] ?? null,
    graderAttempts: num(v, 'grader-attempts') ?? 3,
    concurrency: num(v, 'concurrency') ?? 32,
    rpm: num(v, 'rpm') ?? null,
    tpm: num(v, 'tpm') ?? null,
    otpm: num(v, 'otpm') ?? null,
    burstS: num(v, 'burst') ?? 1,
    rateLimitTimeoutMs: (num(v, 'rate-limit-timeout') ?? 600) * 1000,
    batch: toBatchSettings(v),
    timeoutMs: (num(v, 'timeout') ?? 120) * 1000,
    maxRetries: num(v, 'max-retries') ?? 6,
    maxErrors: maxErrorsFlag(v['max-errors']),
    outDir: v.resume ?? v.out ?? null,
    resume: v.resume !== undefined,
    cacheDir: v.cache ?? null,
    fakeServer: v['fake-server'] ? {} : null,
    promptStyle: choice(v, 'prompt-style'),
    medcalcCompat: choice(v, 'medcalc-compat'),
    labelsPath: v.labels ?? null,
    exemplarsPath: v.exemplars ?? null,
    gatePolicyPath: v.gate ?? null,
    baselinePath: v.baseline ?? null,
    allowGraderChange: v['allow-grader-change'] ?? false,
    pricesPath: v.prices ?? null,
    shard: v.shard === undefined ? null : parseShard(v.shard),
    labels: parseLabels(v.label ?? []),
  };
}
