import { resolve } from 'node:path';
import type { RunLogger } from '../log.js';
import { UsageError } from '../core/errors.js';
import type { PrepareContext, TaskPlan } from '../core/plan.js';
import { ClientPool, type EndpointOptions } from '../providers/factory.js';
import { formatModelSpec, type ModelSpec, type SamplingParams } from '../providers/model-client.js';
import type { loadRunSide } from '../compare/index.js';
import type { GatePolicy } from '../gate/index.js';
import type { ModelPrice } from '../report/prices.js';
import { CachingClient } from '../store/response-cache.js';
import type { RoleClient } from './call-scheduler.js';
import type { RunConfig } from '../core/records.js';
import { loadTask } from '../tasks/index.js';
import type { EvalDeps, EvalOptions } from './eval.js';
import { loadBatchedTemplate, loadPrices, loadTemplate, type GraderTemplate } from './inputs.js';
import { graderParamsFor, isProfessional, noteShortDataset, resolveMaxErrors, resolveSpecs, samplingParams } from './settings.js';
import { withShard, type ShardRecord } from './shard.js';

/** Where the bundled test double listens; every model of a `--fake-server` run is pointed at it. */
export interface TestDoubleEndpoints {
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
}

/** The models of a run, connected: clients per role, the endpoints they call and the keys they use. */
export interface RunModels {
  candidateSpec: ModelSpec | null;
  graderSpecs: ModelSpec[];
  candidate: RoleClient | null;
  graders: RoleClient[];
  baseUrl: string | null;
  graderBaseUrl: string | null;
  env: Record<string, string | undefined>;
  pool: ClientPool;
}

/** Everything a run needs before its first call, read and checked before anything is written. */
export interface PreparedRun extends RunModels {
  opts: EvalOptions;
  plan: TaskPlan;
  shard: ShardRecord | null;
  config: RunConfig;
  template: GraderTemplate;
  prices: Record<string, ModelPrice>;
  policy: GatePolicy | null;
  baseline: Awaited<ReturnType<typeof loadRunSide>> | null;
  maxErrors: number;
  /** Every model is the bundled test double. */
  testDouble: boolean;
  log: RunLogger;
}

/** Picks the task plan for the options (each benchmark's code is loaded only when it runs). */
export async function prepareTask(opts: EvalOptions, ctx: PrepareContext): Promise<TaskPlan> {
  if (opts.task === 'meta') {
    return (await loadTask('meta')).prepare(opts.dataset, ctx);
  }
  if (opts.task === 'medcalc') {
    return (await loadTask('medcalc')).prepare(opts.dataset, {
      ...ctx,
      promptStyle: opts.promptStyle,
      compat: opts.medcalcCompat,
      labelsPath: opts.labelsPath,
      exemplarsPath: opts.exemplarsPath,
    });
  }
  const batchedTemplate = opts.graderMode === 'batched' ? await loadBatchedTemplate(opts.batchedTemplatePath, ctx.cwd) : null;
  return (await loadTask('healthbench')).prepare(opts.dataset, {
    ...ctx,
    responses: opts.responses,
    graderVote: opts.graderVote,
    batchedTemplate,
    lengthAdjustment: opts.lengthAdjustment,
  });
}

/** A fake key for the test double: it accepts any, and a real key must never be sent to it. */
const TEST_DOUBLE_KEY = 'fake-key-not-secret';

/** The endpoint settings every client of the run shares (pacing, retries, timeouts). */
function endpointOptions(opts: EvalOptions, url: string | null): EndpointOptions {
  return {
    baseURL: url,
    rpm: opts.rpm,
    tpm: opts.tpm,
    otpm: opts.otpm ?? null,
    burstS: opts.burstS ?? 1,
    maxRetries: opts.maxRetries,
    timeoutMs: opts.timeoutMs,
    rateLimitTimeoutMs: opts.rateLimitTimeoutMs ?? 600_000,
  };
}

/** Creates the candidate and grader clients (no connection is made until the first call). */
function connectModels(
  opts: EvalOptions,
  deps: EvalDeps,
  specs: { candidateSpec: ModelSpec | null; graderSpecs: ModelSpec[]; professional: boolean },
): RunModels {
  const { candidateSpec, graderSpecs, professional } = specs;
  const double = deps.testDouble;
  /** The endpoint of a role: the test double's for the model's provider, else the URL the options give. */
  const endpointOf = (spec: ModelSpec | undefined | null, given: string | null): string | null => {
    if (!double) return given;
    if (!spec) return null;
    return spec.provider === 'openai' ? double.openaiBaseUrl : double.anthropicBaseUrl;
  };
  const env = double ? { ...deps.env, OPENAI_API_KEY: TEST_DOUBLE_KEY, ANTHROPIC_API_KEY: TEST_DOUBLE_KEY } : deps.env;
  const baseUrl = endpointOf(candidateSpec, opts.baseUrl);
  const graderBaseUrl = endpointOf(graderSpecs[0], opts.graderBaseUrl);
  const pool = new ClientPool(env);
  const roleClient = (spec: ModelSpec, params: SamplingParams, flag: string, url: string | null): RoleClient => {
    const client = pool.create(spec, endpointOptions(opts, url), flag, params.api ?? 'chat');
    return { client: opts.cacheDir ? new CachingClient(client, resolve(deps.cwd, opts.cacheDir), url ?? 'default') : client, params };
  };
  const candidate = candidateSpec ? roleClient(candidateSpec, samplingParams(candidateSpec, opts), '--model', baseUrl) : null;
  const graders = graderSpecs.map((s) => roleClient(s, graderParamsFor(s, opts, professional), '--grader', graderBaseUrl));
  return { candidateSpec, graderSpecs, candidate, graders, baseUrl, graderBaseUrl, env, pool };
}

/** The configuration that identifies the run (a resume must match it exactly). */
function runConfig(opts: EvalOptions, plan: TaskPlan, shard: ShardRecord | null, models: RunModels, template: GraderTemplate): RunConfig {
  return {
    task: opts.task,
    dataset: { ...plan.dataset, limit: opts.limit ?? null },
    model:
      models.candidateSpec && models.candidate ? { spec: formatModelSpec(models.candidateSpec), params: models.candidate.params } : null,
    graders: models.graderSpecs.map((s, i) => ({
      spec: formatModelSpec(s),
      params: models.graders[i]?.params as SamplingParams,
      templateSha256: template.sha256,
      officialTemplate: template.official,
    })),
    graderAttempts: opts.graderAttempts,
    taskSettings: plan.identity,
    seed: opts.seed,
    repeats: opts.repeats,
    ...(shard && { shard: { index: shard.index, count: shard.count } }),
  };
}

/** The release policy and the baseline run, read before any call so a bad file fails fast (exit 2) and costs nothing. */
async function readGateInputs(opts: EvalOptions, cwd: string): Promise<Pick<PreparedRun, 'policy' | 'baseline'>> {
  if (!opts.gatePolicyPath && !opts.baselinePath) return { policy: null, baseline: null };
  const policy = opts.gatePolicyPath ? await (await import('../gate/index.js')).readPolicyFile(opts.gatePolicyPath, cwd) : null;
  const baseline = opts.baselinePath ? await (await import('../compare/index.js')).loadRunSide(opts.baselinePath, cwd) : null;
  return { policy, baseline };
}

/**
 * Resolves the models and reads every input (flags, keys, template, prices, policy, baseline, data). Every input
 * problem surfaces here, before the run directory is touched.
 */
export async function prepareRun(opts: EvalOptions, deps: EvalDeps): Promise<PreparedRun> {
  if (opts.fakeServer && !deps.testDouble) {
    throw new UsageError(
      '--fake-server: the test double is not running; start it (startFakeProvider from healthbench/testing) and pass its URLs as deps.testDouble',
    );
  }
  const professional = await isProfessional(opts, deps.cwd);
  const { candidateSpec, graderSpecs } = resolveSpecs(opts, professional);
  const prices = await loadPrices(opts.pricesPath, deps.cwd);
  const models = connectModels(opts, deps, { candidateSpec, graderSpecs, professional });
  // The first call needs the SDK: load it while the rest of the set-up waits on files.
  models.pool.warmUp();
  const template = await loadTemplate(opts.graderTemplatePath, deps.cwd);
  const { policy, baseline } = await readGateInputs(opts, deps.cwd);
  const ctx = { cwd: deps.cwd, env: models.env, limit: opts.limit, repeats: opts.repeats, template, graderSpecs };
  const { plan, shard } = withShard(await prepareTask(opts, ctx), opts.shard);
  const config = runConfig(opts, plan, shard, models, template);
  // A bad --max-errors is bad input: found before the run directory is created.
  const maxErrors = resolveMaxErrors(opts.maxErrors, plan.total);
  noteShortDataset(opts, plan, deps.notify ?? ((line) => deps.logger.warn(line)));
  const testDouble = Boolean(deps.testDouble);
  return { ...models, opts, plan, shard, config, template, prices, policy, baseline, maxErrors, testDouble, log: deps.logger };
}
