import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import { CancelledError, HealthbenchError, RunFailedError, UsageError } from '../core/errors.js';
import type { SampleRecord, TokenUsage } from '../core/types.js';
import { PACKAGE_ROOT } from '../data/load-dataset.js';
import {
  BATCHED_TEMPLATE_FILE,
  batchedTemplateProblems,
  normalizeTemplate,
  OFFICIAL_TEMPLATE_SHA256,
  templateProblems,
} from '../grading/index.js';
import { redactSecrets } from '../providers/errors.js';
import { ClientPool } from '../providers/factory.js';
import { pacingEntry, type PacingEntry } from '../providers/pace-report.js';
import {
  DEFAULT_GRADER,
  DEFAULT_PROFESSIONAL_GRADER,
  formatModelSpec,
  isReasoningModel,
  parseModelSpec,
  referenceCandidateParams,
  referenceGraderParams,
  resolveApi,
  withSystemPrompt,
  type ModelClient,
  type ModelSpec,
  type SamplingParams,
} from '../providers/model-client.js';
import { diffRuns, loadRunSide, renderDiffMarkdown } from '../compare/index.js';
import { evaluateGate, readPolicyFile, renderGateText, type GateResult } from '../gate/index.js';
import { RESPONSE_EXCERPT_CHARS, type Report } from '../report/types.js';
import { iterateSamples } from '../store/read-run.js';
import { estimateRun, renderEstimate, type RunEstimate } from '../report/estimate.js';
import { BATCH_PRICE_FACTOR, costOf, PRICES, PRICES_AS_OF, type ModelPrice } from '../report/prices.js';
import { addFinishReasons } from '../report/finish-reasons.js';
import { CachingClient } from '../store/response-cache.js';
import type { StoreIo } from '../store/atomic.js';
import { RunStore, sampleKey } from '../store/run-store.js';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../testing/index.js';
import { TOOL_VERSION } from '../version.js';
import { peekLayout } from '../data/professional.js';
import { prepareHealthbench, type LengthAdjustmentChoice } from '../tasks/healthbench/prepare.js';
import { prepareMeta } from '../tasks/meta/prepare.js';
import { inReferenceOrder, type PrepareContext, type TaskPlan } from '../core/plan.js';
import { executeRun, type Progress, type RoleClient } from './run-eval.js';
import { batchUsage, hasBatchesInFlight, runBatchMode, type BatchSettings } from './batch/batch-mode.js';
import { writeDiffHtml, writeRunReportHtml } from './report-html.js';
import { collectAudit, type RunAudit } from './audit.js';
import { renderSelection, withShard, type ShardRecord, type ShardSpec } from './shard.js';
import { writeManifest } from '../store/manifest.js';

/** Everything `healthbench eval` can be asked to do, already parsed. */
export interface EvalOptions {
  /** Which benchmark: chosen from the dataset for `eval`, `meta` for `meta-eval`. */
  task: 'healthbench' | 'medcalc' | 'meta';
  dataset: string;
  limit: number | undefined;
  repeats: number;
  seed: number;
  /** `provider:model`; null only for the physician / reference baselines. */
  model: string | null;
  responses: 'model' | 'physician' | 'reference';
  baseUrl: string | null;
  /** undefined = the reference sampler's default for that model; null = none. */
  systemPrompt: string | null | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
  graders: string[];
  graderBaseUrl: string | null;
  graderTemplatePath: string | null;
  graderAttempts: number;
  graderVote: 'first' | 'majority';
  /** `per-criterion` (the reference protocol) or `batched` (all items of a sample in one call). */
  graderMode: 'per-criterion' | 'batched';
  concurrency: number;
  rpm: number | null;
  tpm: number | null;
  /** Output tokens per minute (--otpm). */
  otpm?: number | null;
  /** Seconds of budget the quota buckets hold (--burst). @default 1 */
  burstS?: number;
  /** Stop (resumable) when every call has been answered 429 for this long (--rate-limit-timeout). @default 600000 */
  rateLimitTimeoutMs?: number;
  timeoutMs: number;
  maxRetries: number;
  /** A count (`10`) or a fraction of the samples (`5%`, `0.05`). */
  maxErrors: string;
  outDir: string | null;
  /** `--resume DIR`: the directory must hold a run to continue. */
  resume: boolean;
  cacheDir: string | null;
  /** Start the bundled test double and point every model at it. */
  fakeServer: FakeProviderOptions | null;
  /** MedCalc-Bench prompt style. */
  promptStyle: 'zero_shot' | 'one_shot' | 'direct_answer';
  /** MedCalc-Bench scoring: `current` (corrected) or `v1.0` (the published code, defects included). */
  medcalcCompat: 'current' | 'v1.0';
  /** MedCalc-Bench physician-corrected labels file. */
  labelsPath: string | null;
  /** MedCalc-Bench one-shot exemplar file (default: downloaded for the dataset version). */
  exemplarsPath: string | null;
  /** A release policy to check when the run ends (`--gate`). */
  gatePolicyPath: string | null;
  /** A baseline run to diff against (`--baseline`), for the policy's drop rules and the report. */
  baselinePath: string | null;
  /** Compare with a baseline graded by another grader or on other data. */
  allowGraderChange: boolean;
  /** `--batched-template FILE`: the batched grader template (default graders/healthbench-grader-batched.md). */
  batchedTemplatePath: string | null;
  /** A JSON file of `provider:model` → {input, cachedInput, output} USD per 1M tokens, added to the built-in table. */
  pricesPath: string | null;
  /** `--api`: the candidate's OpenAI endpoint; `auto` (default) sends reasoning models to the Responses API. */
  api?: ApiChoice | undefined;
  /** `--grader-api`: the same for the graders. */
  graderApi?: ApiChoice | undefined;
  /** `--reasoning-effort`: the candidate's reasoning effort (default: the API's). */
  reasoningEffort?: string | null | undefined;
  /** `--grader-reasoning-effort`: the graders' (default: low for a reasoning grader on Professional, else the API's). */
  graderReasoningEffort?: string | null | undefined;
  /** `--length-adjustment*` (default: on for Professional only). */
  lengthAdjustment?: LengthAdjustmentChoice | undefined;
  /** `--shard i/n`: evaluate only this shard of the selected examples. */
  shard?: ShardSpec | null;
  /** `--label key=value`: who or what ran it, recorded in run.json. */
  labels?: Record<string, string>;
  /** `--batch`: candidate and grader requests through the providers' batch services (null: live calls). */
  batch?: BatchSettings | null;
  /** The options as the user set them (config file, profile, flags), recorded in run.json for `--resume DIR`. */
  effectiveConfig?: EffectiveConfig;
}

/** What run.json records of how a run was asked for: enough to resume it with `--resume DIR` alone. */
export interface EffectiveConfig {
  /** The config file read, if any, and the profile applied. */
  file: string | null;
  profile: string | null;
  /** Option values by flag name (paths absolute). */
  options: Record<string, unknown>;
}

export type ApiChoice = 'auto' | 'chat' | 'responses';

export interface EvalDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal | undefined;
  onProgress?: (p: Progress) => void;
  /** Status lines of the batches a `--batch` run is waiting for, when they change. */
  onBatchStatus?: (lines: string[]) => void;
  now?: () => Date;
  /** The command that resumes a run in a directory, for the messages of a cancelled or failed run. */
  resumeCommand?: (runDir: string) => string;
  /** A one-line note for the user (e.g. a --limit larger than the dataset); default: a log warning. */
  notify?: (line: string) => void;
  /** Called when the run enters a phase: `run` (calls) then `report` (report files). */
  onPhase?: (phase: 'run' | 'report') => void;
  /** The run directory's filesystem edge; tests inject a full disk or short writes here. */
  storeIo?: StoreIo;
}

/** The configuration that identifies a run: resuming requires it to be identical. */
export interface RunConfig {
  task: EvalOptions['task'];
  dataset: { name: string; sha256: string; officialSha256: string; limit: number | null; count: number; version?: string };
  model: { spec: string; params: SamplingParams } | null;
  graders: Array<{ spec: string; params: SamplingParams; templateSha256: string; officialTemplate: boolean }>;
  graderAttempts: number;
  /** Task-specific settings (response mode, prompt style, compat mode, labels...). */
  taskSettings: Record<string, unknown>;
  seed: number;
  repeats: number;
  /** Set for a shard run only (`--shard i/n`). */
  shard?: ShardSpec;
}

/** `run.json`: what was run, and how far it got. */
export interface RunRecord {
  formatVersion: 1;
  runId: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  tool: { name: 'healthbench'; version: string };
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  attempts: number;
  testDouble: boolean;
  config: RunConfig;
  progress: Progress | null;
  error: string | null;
  /** Who or what ran the latest attempt, where, with which build of the tool. */
  audit?: RunAudit;
  /** A shard run: which part of the selection it evaluated. */
  shard?: ShardRecord;
  /** A run written by `healthbench merge`: the shard runs it combines. */
  mergedFrom?: Array<{ runId: string; dir: string; shard: ShardSpec; samples: number }>;
  /** How the latest attempt paced its calls per endpoint: limits and their source, 429s, waits (also in report.md). */
  pacing?: PacingEntry[];
  /** The options the run was started with (absent in runs written before it was recorded). */
  effectiveConfig?: EffectiveConfig;
}

export interface EvalResult {
  runDir: string;
  run: RunRecord;
  /** report.json as written (a `Report` for HealthBench and MedCalc). */
  report: Record<string, unknown>;
  markdown: string;
  /** Lines for the human summary on stdout. */
  summary: string[];
  /** The gate verdict when `--gate` was given. */
  gate: GateResult | null;
}

const DEFAULT_BATCH_SETTINGS: BatchSettings = { fallbackLive: false, attempts: 3, pollMs: 30_000, cancelBatches: false, maxRequests: null, maxBytes: null };

/** Picks the task plan for the options; every input problem surfaces here, before anything is written. */
async function prepareTask(opts: EvalOptions, ctx: PrepareContext): Promise<TaskPlan> {
  if (opts.task === 'meta') return prepareMeta(opts.dataset, ctx);
  if (opts.task === 'medcalc') {
    const { prepareMedcalc } = await import('../tasks/medcalc/prepare.js');
    return prepareMedcalc(opts.dataset, { ...ctx, promptStyle: opts.promptStyle, compat: opts.medcalcCompat, labelsPath: opts.labelsPath, exemplarsPath: opts.exemplarsPath });
  }
  const batchedTemplate = opts.graderMode === 'batched' ? await loadBatchedTemplate(opts.batchedTemplatePath, ctx.cwd) : null;
  return prepareHealthbench(opts.dataset, { ...ctx, responses: opts.responses, graderVote: opts.graderVote, batchedTemplate, lengthAdjustment: opts.lengthAdjustment });
}

async function loadBatchedTemplate(path: string | null, cwd: string): Promise<string> {
  return readTemplate(path, cwd, BATCHED_TEMPLATE_FILE, '--batched-template', batchedTemplateProblems);
}

/** Reads a grader template (the user's, or the bundled one under graders/), normalised, with its problems checked. */
async function readTemplate(
  path: string | null,
  cwd: string,
  bundled: string,
  flag: string,
  problemsOf: (text: string) => string[],
): Promise<string> {
  const file = path ? resolve(cwd, path) : join(PACKAGE_ROOT, 'graders', bundled);
  const raw = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`${flag} ${path ?? file}: ${err.message}`);
  });
  const text = normalizeTemplate(raw);
  const problems = problemsOf(text);
  if (problems.length > 0) throw new UsageError(`${path ?? file}: ${problems.join('; ')}`);
  return text;
}

/** MedCalc-Bench datasets are named `medcalc*` or are CSV files. */
export function taskForDataset(dataset: string): 'healthbench' | 'medcalc' {
  return dataset.startsWith('medcalc') || dataset.toLowerCase().endsWith('.csv') ? 'medcalc' : 'healthbench';
}

/** Paths where two configs differ, for a refusal message that names them. */
export function configDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      configDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [`${path.slice(1) || '(root)'}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}

/** Estimated USD of some usage: per role, and the total (null where a model has no known price). */
function costOfUsage(
  config: RunConfig,
  usage: Partial<Record<'candidate' | 'grader', TokenUsage>>,
  prices: Record<string, ModelPrice>,
): { candidate: number | null; grader: number | null; total: number | null } {
  const roleCost = (role: 'candidate' | 'grader', spec: string | undefined): number | null =>
    spec && usage[role] ? costOf(spec, usage[role], prices) : null;
  const candidate = config.model ? roleCost('candidate', config.model.spec) : 0;
  const grader = config.graders.length === 1 ? roleCost('grader', config.graders[0]?.spec) : config.graders.length === 0 ? 0 : null;
  return { candidate, grader, total: candidate === null || grader === null ? null : candidate + grader };
}

/** Says so when `--limit` asks for more examples than the dataset has (the run takes them all). */
function noteShortDataset(opts: EvalOptions, plan: TaskPlan, notify: (line: string) => void): void {
  const examples = plan.total / opts.repeats;
  if (opts.limit !== undefined && opts.limit > examples) {
    notify(`--limit ${opts.limit} is more than the ${examples} examples of ${opts.dataset}; running all ${examples} (a --limit of ${examples} or less silences this note)`);
  }
}

/** `5%`, `0.05` → that fraction of `total`; `10` → 10 samples. */
export function resolveMaxErrors(text: string, total: number): number {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  const value = pct ? Number(pct[1]) / 100 : Number(t);
  if (t === '' || !Number.isFinite(value) || value < 0 || (pct && value > 1)) {
    throw new UsageError(`--max-errors: expected a count like 10, a fraction like 0.05 or a percentage up to 100% like 5%, got '${text}'`);
  }
  if (pct || (value < 1 && !Number.isInteger(value))) return Math.floor(value * total);
  return Math.floor(value);
}

function requireSpec(text: string, flag: string): ModelSpec {
  const spec = parseModelSpec(text);
  if (!spec) throw new UsageError(`${flag} '${text}': expected provider:model with provider openai or anthropic (e.g. openai:gpt-4.1-mini)`);
  return spec;
}

async function loadTemplate(path: string | null, cwd: string): Promise<{ text: string; sha256: string; official: boolean }> {
  const text = await readTemplate(path, cwd, 'healthbench-grader.md', '--grader-template', templateProblems);
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { text, sha256, official: sha256 === OFFICIAL_TEMPLATE_SHA256 };
}

function newRunId(now: Date, model: string | null): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const slug = (model ?? 'baseline').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 40);
  return `${stamp}-${slug}-${randomBytes(2).toString('hex')}`;
}

/**
 * Candidate parameters: the flags, else the reference's defaults. MedCalc-Bench's reference sends exactly
 * [system, user] with the API's default sampling (docs/medcalc.md §4), so it gets no extra system line and
 * no temperature or max_tokens (Anthropic, which requires max_tokens, gets the client's 4096).
 */
function samplingParams(spec: ModelSpec, opts: EvalOptions): SamplingParams {
  const ref: SamplingParams =
    opts.task === 'medcalc'
      ? { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null }
      : referenceCandidateParams(spec);
  return {
    temperature: opts.temperature ?? ref.temperature,
    maxTokens: opts.maxTokens ?? ref.maxTokens,
    systemPrompt: opts.systemPrompt === undefined ? ref.systemPrompt : opts.systemPrompt,
    reasoningEffort: opts.reasoningEffort ?? ref.reasoningEffort,
    ...apiField(spec, opts.api, '--api'),
  };
}

/** `{api: 'responses'}` when the model goes through the Responses API, else nothing (Chat Completions / Messages). */
function apiField(spec: ModelSpec, choice: ApiChoice | undefined, flag: string): Pick<SamplingParams, 'api'> {
  if (spec.provider !== 'openai' && choice === 'responses') {
    throw new UsageError(`${flag} responses: the Responses API is OpenAI's; ${formatModelSpec(spec)} goes through Anthropic Messages (drop ${flag})`);
  }
  return resolveApi(spec, choice ?? 'auto') === 'responses' ? { api: 'responses' } : {};
}

/**
 * Grader parameters: the reference's, the grader's API, and its reasoning effort (the flag, else low for a reasoning
 * grader on HealthBench Professional, as its authors grade, else the API's default).
 */
function graderParamsFor(spec: ModelSpec, opts: EvalOptions, professional: boolean): SamplingParams {
  const effort = opts.graderReasoningEffort ?? (professional && spec.provider === 'openai' && isReasoningModel(spec.model) ? 'low' : null);
  return { ...referenceGraderParams(spec), reasoningEffort: effort, ...apiField(spec, opts.graderApi, '--grader-api') };
}

/** True when the run grades HealthBench Professional (by name, or a file in its layout): it changes defaults. */
async function isProfessional(opts: EvalOptions, cwd: string): Promise<boolean> {
  if (opts.task !== 'healthbench') return false;
  if (opts.dataset === 'healthbench-professional') return true;
  if (!/\.jsonl(\.gz)?$/.test(opts.dataset)) return false;
  return (await peekLayout(resolve(cwd, opts.dataset))) === 'professional';
}

/** The models a run needs, checked before anything else happens. */
function resolveSpecs(opts: EvalOptions, professional = false): { candidateSpec: ModelSpec | null; graderSpecs: ModelSpec[] } {
  const needsCandidate = opts.task === 'medcalc' || (opts.task === 'healthbench' && opts.responses === 'model');
  const needsGrader = opts.task !== 'medcalc';
  if (needsCandidate && opts.model === null) throw new UsageError('--model is required (or --responses physician|reference)');
  if (opts.repeats < 1 || !Number.isInteger(opts.repeats)) throw new UsageError(`--repeats: expected an integer from 1, got ${opts.repeats}`);
  return {
    candidateSpec: needsCandidate && opts.model !== null ? requireSpec(opts.model, '--model') : null,
    graderSpecs: needsGrader
      ? (opts.graders.length > 0 ? opts.graders : [professional ? DEFAULT_PROFESSIONAL_GRADER : DEFAULT_GRADER]).map((g) => requireSpec(g, '--grader'))
      : [],
  };
}

/** The built-in price table plus the user's `--prices` file. */
async function loadPrices(path: string | null, cwd: string): Promise<Record<string, ModelPrice>> {
  if (!path) return { ...PRICES };
  const text = await readFile(resolve(cwd, path), 'utf8').catch((err: Error) => {
    throw new UsageError(`--prices ${path}: ${err.message}`);
  });
  let extra: unknown;
  try {
    extra = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--prices ${path}: invalid JSON: ${(err as Error).message}`);
  }
  const issues: string[] = [];
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) issues.push(`${path} /: expected an object of provider:model → prices`);
  else {
    for (const [k, v] of Object.entries(extra)) {
      for (const f of ['input', 'cachedInput', 'output'] as const) {
        const x = (v as Record<string, unknown> | null)?.[f];
        if (typeof x !== 'number' || x < 0) issues.push(`${path} /${k}/${f}: expected a non-negative number (USD per 1M tokens)`);
      }
    }
  }
  if (issues.length > 0) throw new UsageError(issues.join('\n'));
  return { ...PRICES, ...(extra as Record<string, ModelPrice>) };
}

/**
 * `--dry-run`: loads and checks everything, renders every prompt the run would send (with a response of
 * the assumed length), and estimates calls, tokens and cost. Calls no model and writes nothing.
 */
export async function estimateEval(
  opts: EvalOptions,
  deps: Pick<EvalDeps, 'cwd' | 'env'>,
  assumed: { responseTokens?: number; verdictTokens?: number } = {},
): Promise<{ estimate: RunEstimate; text: string }> {
  const professional = await isProfessional(opts, deps.cwd);
  const { candidateSpec, graderSpecs } = resolveSpecs(opts, professional);
  const prices = await loadPrices(opts.pricesPath, deps.cwd);
  const template = await loadTemplate(opts.graderTemplatePath, deps.cwd);
  const { plan } = withShard(await prepareTask(opts, { cwd: deps.cwd, env: deps.env, limit: opts.limit, repeats: opts.repeats, template, graderSpecs }), opts.shard);
  const responseTokens = assumed.responseTokens ?? (opts.task === 'medcalc' ? 400 : 500);
  const placeholder = 'x'.repeat(responseTokens * 4);
  const candidateParams = candidateSpec ? samplingParams(candidateSpec, opts) : null;
  const graderSystem = graderSpecs.map((g) => graderParamsFor(g, opts, professional).systemPrompt?.length ?? 0);
  const candidateInputChars: number[] = [];
  const graderInputChars: number[] = [];
  for await (const item of plan.items()) {
    const sent = item.fixedResponse === null ? withSystemPrompt(item.messages, candidateParams?.systemPrompt ?? null) : item.messages;
    if (item.fixedResponse === null && plan.needsCandidate) candidateInputChars.push(sent.reduce((n, m) => n + m.content.length, 0));
    for (const call of plan.evaluator.graderCalls(item, sent, item.fixedResponse ?? placeholder)) {
      graderInputChars.push(call.prompt.length + (graderSystem[call.grader] ?? 0));
    }
  }
  const estimate = estimateRun({
    candidateSpec: candidateSpec ? formatModelSpec(candidateSpec) : null,
    graderSpecs: graderSpecs.map(formatModelSpec),
    candidateInputChars,
    graderInputChars,
    assumedResponseTokens: responseTokens,
    assumedVerdictTokens: assumed.verdictTokens ?? 60,
    prices,
    batch: Boolean(opts.batch),
  });
  let text = renderEstimate(estimate, candidateSpec ? formatModelSpec(candidateSpec) : null, graderSpecs.map(formatModelSpec));
  const reasoning = [...(candidateSpec && candidateParams ? [{ spec: candidateSpec, params: candidateParams }] : []), ...graderSpecs.map((g) => ({ spec: g, params: graderParamsFor(g, opts, professional) }))]
    .filter((r) => r.params.api === 'responses' || r.params.reasoningEffort !== null)
    .map((r) => `${formatModelSpec(r.spec)}${r.params.reasoningEffort ? ` (effort ${r.params.reasoningEffort})` : ''}`);
  // Reasoning tokens depend on the model and the effort; they are billed as output, so the figure above is a floor.
  if (reasoning.length > 0) text += `  not included: reasoning tokens of ${reasoning.join(', ')}, billed as output; the cost above is a lower bound\n`;
  return { estimate, text };
}

/** The run already in the directory, if any; refused when it was run with another configuration. */
async function previousRun(store: RunStore, config: RunConfig, resume: boolean): Promise<RunRecord | null> {
  const previous = (await store.readRunJson()) as RunRecord | null;
  if (resume && !previous) throw new UsageError(`--resume ${store.dir}: no run.json there, nothing to resume`);
  if (previous) {
    const diffs = configDifferences(previous.config, config);
    if (diffs.length > 0) {
      throw new UsageError(`${store.dir} holds a run with a different configuration; use another --out. Differences:\n  ${diffs.join('\n  ')}`);
    }
  }
  return previous;
}

/**
 * Marks run.json cancelled or failed after the run stopped. When even that write fails (a full disk), the run.json
 * of the start stays ('running'), which resumes the same way; the original error is the one reported.
 */
function recordStop(
  store: RunStore,
  run: RunRecord,
  err: unknown,
  ctx: { now: () => Date; progress: Progress | null; secrets: readonly string[]; log: Logger },
): void {
  try {
    store.writeRunJsonSync({
      ...run,
      status: err instanceof CancelledError ? 'cancelled' : 'failed',
      updatedAt: ctx.now().toISOString(),
      progress: ctx.progress,
      error: redactSecrets(err instanceof HealthbenchError ? err.message : String(err), ctx.secrets),
    });
  } catch (writeErr) {
    ctx.log.error({ err: String(writeErr) }, 'could not record the stop in run.json');
  }
}

/**
 * Runs (or resumes) an evaluation and writes run.json, samples.jsonl, report.json and report.md. Every
 * input problem (flags, keys, template, data) is found before anything is written.
 */
export async function runEval(opts: EvalOptions, deps: EvalDeps): Promise<EvalResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const professional = await isProfessional(opts, deps.cwd);
  const { candidateSpec, graderSpecs } = resolveSpecs(opts, professional);
  const prices = await loadPrices(opts.pricesPath, deps.cwd);
  let fake: FakeProvider | null = null;
  try {
    let env = deps.env;
    let baseUrl = opts.baseUrl;
    let graderBaseUrl = opts.graderBaseUrl;
    if (opts.fakeServer) {
      fake = await startFakeProvider(opts.fakeServer);
      const f = fake;
      env = { ...deps.env, OPENAI_API_KEY: 'fake-key-not-secret', ANTHROPIC_API_KEY: 'fake-key-not-secret' };
      const urlFor = (s: ModelSpec): string => (s.provider === 'openai' ? f.openaiBaseUrl : f.anthropicBaseUrl);
      baseUrl = candidateSpec ? urlFor(candidateSpec) : null;
      graderBaseUrl = graderSpecs[0] ? urlFor(graderSpecs[0]) : null;
      log.info({ url: fake.url }, 'started the bundled fake provider (test double)');
    }
    const pool = new ClientPool(env);
    const endpoint = (url: string | null) => ({
      baseURL: url,
      rpm: opts.rpm,
      tpm: opts.tpm,
      otpm: opts.otpm ?? null,
      burstS: opts.burstS ?? 1,
      maxInFlight: opts.concurrency,
      maxRetries: opts.maxRetries,
      timeoutMs: opts.timeoutMs,
      rateLimitTimeoutMs: opts.rateLimitTimeoutMs ?? 600_000,
    });
    const wrap = (client: ModelClient, url: string | null): ModelClient =>
      opts.cacheDir ? new CachingClient(client, resolve(deps.cwd, opts.cacheDir), url ?? 'default') : client;
    const candidateParams = candidateSpec ? samplingParams(candidateSpec, opts) : null;
    const candidate: RoleClient | null =
      candidateSpec && candidateParams
        ? { client: wrap(pool.create(candidateSpec, endpoint(baseUrl), '--model', candidateParams.api ?? 'chat'), baseUrl), params: candidateParams }
        : null;
    const graderParams = graderSpecs.map((s) => graderParamsFor(s, opts, professional));
    const graders: RoleClient[] = graderSpecs.map((s, i) => ({
      client: wrap(pool.create(s, endpoint(graderBaseUrl), '--grader', graderParams[i]?.api ?? 'chat'), graderBaseUrl),
      params: graderParams[i] as SamplingParams,
    }));
    const template = await loadTemplate(opts.graderTemplatePath, deps.cwd);
    // Policy and baseline are read before any call, so a bad file fails fast (exit 2) and costs nothing.
    const policy = opts.gatePolicyPath ? await readPolicyFile(opts.gatePolicyPath, deps.cwd) : null;
    const baseline = opts.baselinePath ? await loadRunSide(opts.baselinePath, deps.cwd) : null;
    const { plan, shard } = withShard(await prepareTask(opts, { cwd: deps.cwd, env, limit: opts.limit, repeats: opts.repeats, template, graderSpecs }), opts.shard);
    const config: RunConfig = {
      task: opts.task,
      dataset: { ...plan.dataset, limit: opts.limit ?? null },
      model: candidateSpec && candidate ? { spec: formatModelSpec(candidateSpec), params: candidate.params } : null,
      graders: graderSpecs.map((s, i) => ({
        spec: formatModelSpec(s),
        params: graderParams[i] as SamplingParams,
        templateSha256: template.sha256,
        officialTemplate: template.official,
      })),
      graderAttempts: opts.graderAttempts,
      taskSettings: plan.identity,
      seed: opts.seed,
      repeats: opts.repeats,
      ...(shard && { shard: { index: shard.index, count: shard.count } }),
    };
    // A bad --max-errors is bad input: found before the run directory is created.
    const maxErrors = resolveMaxErrors(opts.maxErrors, plan.total);
    noteShortDataset(opts, plan, deps.notify ?? ((line) => log.warn(line)));
    const started = now();
    const runDir = resolve(deps.cwd, opts.outDir ?? join('reports', newRunId(started, opts.model ?? graderSpecs.map(formatModelSpec).join('+'))));
    const secrets = pool.secrets;
    const store = new RunStore(runDir, { io: deps.storeIo });
    // Read-only checks first, so a refused run leaves the directory exactly as it was.
    await previousRun(store, config, opts.resume);
    // Then the lock: a second process on this directory is refused before it reads progress or writes anything.
    await store.lock();
    // Set while the report files are written: a failure there (a full disk) is recorded in run.json too.
    let reporting: { run: RunRecord; progress: Progress | null } | null = null;
    try {
      // Read again under the lock: another process may have started the directory in between.
      const previous = await previousRun(store, config, opts.resume);
      if (previous) log.info({ runDir, status: previous.status }, 'resuming');
      const prior = await store.loadProgress();
      if (prior.tornLines > 0) log.warn({ tornLines: prior.tornLines }, 'dropped a last line cut short by an earlier crash; its work is redone');
      await store.open();
      const run: RunRecord = {
        formatVersion: 1,
        runId: previous?.runId ?? runDir.split(/[\\/]/).pop() ?? 'run',
        status: 'running',
        tool: { name: 'healthbench', version: TOOL_VERSION },
        createdAt: previous?.createdAt ?? started.toISOString(),
        updatedAt: started.toISOString(),
        finishedAt: null,
        attempts: (previous?.attempts ?? 0) + 1,
        testDouble: fake !== null,
        config,
        progress: null,
        error: null,
        audit: await collectAudit(deps.env, opts.labels ?? {}),
        ...(shard && { shard }),
        ...(opts.effectiveConfig ? { effectiveConfig: opts.effectiveConfig } : {}),
      };
      await store.writeRunJson(run, 'setup');
      await store.writeText('selection.json', renderSelection(plan));
      deps.onPhase?.('run');
      let lastProgress: Progress | null = null;
      // A run with batches in flight continues in batch mode even when resumed without --batch.
      const batchSettings = opts.batch ?? ((await hasBatchesInFlight(runDir)) ? DEFAULT_BATCH_SETTINGS : null);
      let batchLive: (() => number) | null = null;
      try {
        let liveCandidate = plan.needsCandidate ? candidate : null;
        let liveGraders = graders;
        if (batchSettings) {
          const mode = await runBatchMode({
            runDir,
            items: () => plan.items(),
            evaluator: plan.evaluator,
            candidate: liveCandidate && candidateSpec ? { role: liveCandidate, spec: candidateSpec, baseURL: baseUrl } : null,
            graders: graders.map((role, i) => ({ role, spec: graderSpecs[i] as ModelSpec, baseURL: graderBaseUrl })),
            env,
            maxRetries: opts.maxRetries,
            store,
            settings: batchSettings,
            logger: log,
            signal: deps.signal,
            onStatus: deps.onBatchStatus,
          });
          liveCandidate = mode.candidate;
          liveGraders = mode.graders;
          batchLive = mode.liveCalls;
        }
        const result = await executeRun({
          items: plan.items(),
          total: plan.total,
          evaluator: plan.evaluator,
          candidate: liveCandidate,
          graders: liveGraders,
          graderAttempts: opts.graderAttempts,
          concurrency: opts.concurrency,
          maxErrors,
          store,
          pace: () => pool.progressPace(),
          // The batch phases journaled their results: the live pass reads them as a resumed run would.
          prior: batchSettings ? await store.loadProgress() : prior,
          logger: log,
          signal: deps.signal,
          onProgress: (p) => {
            lastProgress = p;
            deps.onProgress?.(fake || !p.usage ? p : { ...p, costUsd: costOfUsage(config, p.usage, prices).total });
          },
        });
        lastProgress = result.progress;
      } catch (err) {
        store.closeFiles();
        recordStop(store, { ...run, pacing: pool.pace().map(pacingEntry) }, err, { now, progress: lastProgress, secrets, log });
        const resume = deps.resumeCommand?.(runDir) ?? `healthbench ${opts.task === 'meta' ? 'meta-eval' : 'eval'} --resume ${runDir}`;
        const inCwd = relative(deps.cwd, runDir);
        const shown = inCwd === '' || inCwd.startsWith('..') ? runDir : inCwd;
        // A batch run's own message says which batches keep running and how to resume or cancel them.
        if (err instanceof CancelledError && batchSettings && err.message.includes('--resume')) throw err;
        if (err instanceof CancelledError) throw new CancelledError(`run cancelled; finished work is saved in ${shown}. Resume with: ${resume}`);
        if (err instanceof RunFailedError) {
          throw new RunFailedError(`${err.message.replace(/[.\s]+$/, '')}. The records so far are in ${shown}; fix the cause, then resume with: ${resume}`);
        }
        throw err;
      }
      store.closeFiles();
      reporting = { run, progress: lastProgress };
      deps.onPhase?.('report');
      const latest = new Map<string, SampleRecord>();
      // Reports and diffs never read the conversation, the graders' explanations or more of the response than
      // an excerpt: dropping them keeps the report stage small (the full records stay in samples.jsonl).
      for await (const s of iterateSamples(store.samplesPath)) {
        const criteria = s.criteria.map((c) => ({ ...c, explanation: '' }));
        const response = s.response === null ? null : s.response.slice(0, RESPONSE_EXCERPT_CHARS);
        latest.set(sampleKey(s.exampleId, s.repeat), { ...s, messagesSent: [], response, criteria });
      }
      const finished = now();
      const built = plan.report(inReferenceOrder([...latest.values()], plan.position), {
        runId: run.runId,
        createdAt: finished.toISOString(),
        toolVersion: TOOL_VERSION,
        model: config.model ? { spec: config.model.spec, params: { ...config.model.params } } : null,
        grader: config.graders[0]
          ? {
              spec: config.graders.map((g) => g.spec).join(', '),
              params: { ...config.graders[0].params },
              templateSha256: template.sha256,
              officialTemplate: template.official,
              mode: opts.graderMode,
            }
          : null,
        seed: opts.seed,
        repeats: opts.repeats,
        testDouble: fake !== null,
      });
      if (fake) built.summary.unshift('TEST DOUBLE: figures come from the bundled fake provider, not a real model.');
      addFinishReasons(built, latest.values());
      if (batchSettings) {
        const b = await batchUsage(runDir);
        const live = batchLive?.() ?? 0;
        built.json['batch'] = {
          batches: b.batches,
          requestsThroughBatches: b.requests,
          liveCallsThisProcess: live,
          pricing: `batch (${BATCH_PRICE_FACTOR * 100}% of list) for requests answered through the batch services`,
        };
        built.markdown += `\n## Batch mode\n\nRequests went through the providers' batch services: ${b.requests} answered in ${b.batches} batches, ${live} sent live (re-grades and fallbacks). Batch pricing (${BATCH_PRICE_FACTOR * 100}% of list) applies to the batched requests.\n`;
        built.summary.push(`batch mode: ${b.requests} requests in ${b.batches} batches, ${live} live; batch pricing applied`);
      }
      const usage = built.json['usage'] as Record<string, TokenUsage> | undefined;
      if (usage && !fake) {
        const roleCost = (role: string, spec: string | undefined): number | null =>
          spec && usage[role] ? costOf(spec, usage[role], prices) : null;
        // Requests answered through a batch service are billed at the batch discount.
        const discount = batchSettings ? await batchUsage(runDir) : null;
        const roleCostBatch = (role: 'candidate' | 'grader', spec: string | undefined): number | null => {
          const full = roleCost(role, spec);
          const batched = discount && spec ? costOf(spec, discount[role], prices) : 0;
          return full === null || batched === null ? null : full - batched * (1 - BATCH_PRICE_FACTOR);
        };
        const candidateCost = config.model ? roleCostBatch('candidate', config.model.spec) : 0;
        const graderCost = config.graders.length === 1 ? roleCostBatch('grader', config.graders[0]?.spec) : config.graders.length === 0 ? 0 : null;
        built.json['cost'] = {
          currency: 'USD',
          pricesAsOf: PRICES_AS_OF,
          candidate: candidateCost,
          grader: graderCost,
          total: candidateCost === null || graderCost === null ? null : candidateCost + graderCost,
          note: batchSettings
            ? `Estimated from recorded token usage; batch pricing applied (${BATCH_PRICE_FACTOR * 100}% of list price) to requests answered through the batch services, list prices to the rest; null where a model has no known price.`
            : 'Estimated from recorded token usage and list prices; null where a model has no known price.',
          pricing: batchSettings ? 'batch' : 'list',
        };
        const total = built.json['cost'] as { total: number | null };
        built.summary.push(`estimated cost: ${total.total === null ? 'unknown (model without a known price)' : `$${total.total.toFixed(2)}`}`);
      }
      let gate: GateResult | null = null;
      if (policy || baseline) {
        const report = built.json as unknown as Report;
        const diff = baseline
          ? diffRuns(baseline, { runId: run.runId, report, samples: [...latest.values()] }, { seed: opts.seed, allowGraderChange: opts.allowGraderChange })
          : undefined;
        if (diff) {
          built.json['diff'] = diff;
          const diffMd = renderDiffMarkdown(diff);
          built.markdown += `\n## Compared with the baseline\n\n${diffMd.replace(/^# .*\n/, '')}`;
          await store.writeText('diff.json', `${JSON.stringify(diff, null, 2)}\n`);
          await store.writeText('diff.md', diffMd);
          if (baseline) await writeDiffHtml(runDir, diff, { baseDir: baseline.dir, headDir: runDir });
        }
        if (policy) {
          gate = evaluateGate(report, policy, diff);
          built.json['gate'] = gate;
          const text = renderGateText(gate);
          built.markdown += `\n## Release gate: ${gate.passed ? 'PASSED' : 'FAILED'}\n\n\`\`\`\n${text}\n\`\`\`\n`;
          built.summary.push(`gate: ${gate.passed ? 'PASSED' : 'FAILED'}`, ...text.trimEnd().split('\n').map((l) => `  ${l}`));
          await store.writeText('gate.json', `${JSON.stringify(gate, null, 2)}\n`);
        }
      }
      // Run facts, not results: in run.json and report.md, never in report.json (which a resumed or merged run
      // must reproduce exactly).
      const pacing = pool.pace().map(pacingEntry);
      built.markdown += `\n## Pacing\n\n${pacing.map((p) => `- ${p.summary}`).join('\n')}\n`;
      await store.writeText('report.json', `${JSON.stringify(built.json, null, 2)}\n`);
      await store.writeText('report.md', built.markdown);
      await writeRunReportHtml(runDir, built.json as unknown as Report);
      const done: RunRecord = { ...run, status: 'completed', updatedAt: finished.toISOString(), finishedAt: finished.toISOString(), progress: lastProgress, pacing };
      await store.writeRunJson(done);
      reporting = null;
      // Last: the manifest covers every file the run left, whatever wrote it.
      await writeManifest(runDir, finished);
      // A Ctrl-C during the report phase let the files above be finished; now it is honoured.
      if (deps.signal?.aborted) throw new CancelledError(`cancelled while writing the reports; they were finished first (${runDir})`);
      return { runDir, run: done, report: built.json, markdown: built.markdown, summary: built.summary, gate };
    } catch (err) {
      if (reporting) recordStop(store, reporting.run, err, { now, progress: reporting.progress, secrets, log });
      throw err;
    } finally {
      store.close();
    }
  } finally {
    await fake?.close();
  }
}
