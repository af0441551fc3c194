import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { CancelledError, HealthbenchError, UsageError } from '../core/errors.js';
import type { SampleRecord } from '../core/types.js';
import { openDataset, PACKAGE_ROOT, type Dataset } from '../data/load-dataset.js';
import { detectLanguage } from '../data/language.js';
import { normalizeTemplate, OFFICIAL_TEMPLATE_SHA256, templateProblems } from '../grading/index.js';
import { redactSecrets } from '../providers/errors.js';
import { ClientPool } from '../providers/factory.js';
import {
  DEFAULT_GRADER,
  formatModelSpec,
  parseModelSpec,
  referenceCandidateParams,
  referenceGraderParams,
  type ModelClient,
  type ModelSpec,
  type SamplingParams,
} from '../providers/model-client.js';
import { buildHealthbenchReport, type OrderedSample } from '../report/build-report.js';
import { renderMarkdownReport } from '../report/render-markdown.js';
import type { Report } from '../report/types.js';
import { selectExampleIndices } from '../scoring/index.js';
import { iterateSamples } from '../store/read-run.js';
import { CachingClient } from '../store/response-cache.js';
import { RunStore, sampleKey } from '../store/run-store.js';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../testing/index.js';
import { TOOL_VERSION } from '../version.js';
import { healthbenchEvaluator } from './healthbench-task.js';
import { executeRun, type Progress, type RoleClient } from './run-eval.js';
import type { WorkItem } from './task.js';

/** Everything `healthbench eval` can be asked to do, already parsed. */
export interface EvalOptions {
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
  concurrency: number;
  rpm: number | null;
  tpm: number | null;
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
}

export interface EvalDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal | undefined;
  onProgress?: (p: Progress) => void;
  now?: () => Date;
}

/** The configuration that identifies a run: resuming requires it to be identical. */
export interface RunConfig {
  task: 'healthbench';
  dataset: { name: string; sha256: string; officialSha256: string; limit: number | null; count: number };
  model: { spec: string; params: SamplingParams } | null;
  responses: EvalOptions['responses'];
  graders: Array<{ spec: string; params: SamplingParams; templateSha256: string; officialTemplate: boolean }>;
  graderAttempts: number;
  graderVote: EvalOptions['graderVote'];
  seed: number;
  repeats: number;
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
}

export interface EvalResult {
  runDir: string;
  run: RunRecord;
  report: Report;
  markdown: string;
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

/** `5%`, `0.05` → that fraction of `total`; `10` → 10 samples. */
export function resolveMaxErrors(text: string, total: number): number {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  const value = pct ? Number(pct[1]) / 100 : Number(t);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--max-errors: expected a count or a fraction like 5%, got '${text}'`);
  if (pct || (value < 1 && !Number.isInteger(value))) return Math.floor(value * total);
  return Math.floor(value);
}

function requireSpec(text: string, flag: string): ModelSpec {
  const spec = parseModelSpec(text);
  if (!spec) throw new UsageError(`${flag} '${text}': expected provider:model with provider openai or anthropic (e.g. openai:gpt-4.1-mini)`);
  return spec;
}

async function loadTemplate(path: string | null, cwd: string): Promise<{ text: string; sha256: string; official: boolean }> {
  const file = path ? resolve(cwd, path) : join(PACKAGE_ROOT, 'graders', 'healthbench-grader.md');
  const raw = await readFile(file, 'utf8').catch((err: Error) => {
    throw new UsageError(`--grader-template ${path ?? file}: ${err.message}`);
  });
  const text = normalizeTemplate(raw);
  const problems = templateProblems(text);
  if (problems.length > 0) throw new UsageError(`${path ?? file}: ${problems.join('; ')}`);
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { text, sha256, official: sha256 === OFFICIAL_TEMPLATE_SHA256 };
}

function newRunId(now: Date, model: string | null): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const slug = (model ?? 'baseline').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 40);
  return `${stamp}-${slug}-${randomBytes(2).toString('hex')}`;
}

/** The work items of a HealthBench run, streamed: each selected example × repeats (or its baseline completions). */
async function* healthbenchItems(
  dataset: Dataset,
  rank: ReadonlyMap<number, number>,
  repeats: number,
  responses: EvalOptions['responses'],
): AsyncGenerator<WorkItem> {
  for await (const { index, example } of dataset.iterate(new Set(rank.keys()))) {
    const language = example.language ?? (await detectLanguage(example.messages));
    const base = { exampleId: example.id, rank: rank.get(index) ?? 0, language, exampleTags: example.tags, messages: example.messages, payload: example };
    if (responses === 'model') {
      for (let repeat = 0; repeat < repeats; repeat += 1) yield { ...base, repeat, fixedResponse: null };
    } else if (responses === 'physician') {
      if (example.ideal) yield { ...base, repeat: 0, fixedResponse: example.ideal.idealCompletion };
    } else if (example.ideal && example.ideal.group !== 'Group 1') {
      for (const [repeat, text] of example.ideal.refCompletions.entries()) yield { ...base, repeat, fixedResponse: text };
    }
  }
}

function samplingParams(spec: ModelSpec, opts: EvalOptions): SamplingParams {
  const ref = referenceCandidateParams(spec);
  return {
    temperature: opts.temperature ?? ref.temperature,
    maxTokens: opts.maxTokens ?? ref.maxTokens,
    systemPrompt: opts.systemPrompt === undefined ? ref.systemPrompt : opts.systemPrompt,
    reasoningEffort: ref.reasoningEffort,
  };
}

/**
 * Runs (or resumes) a HealthBench evaluation and writes run.json, samples.jsonl, report.json and
 * report.md. Every input problem is found before anything is written.
 */
export async function runEval(opts: EvalOptions, deps: EvalDeps): Promise<EvalResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const candidateSpec = opts.model === null ? null : requireSpec(opts.model, '--model');
  if (candidateSpec === null && opts.responses === 'model') throw new UsageError('--model is required (or --responses physician|reference)');
  const graderSpecs = (opts.graders.length > 0 ? opts.graders : [DEFAULT_GRADER]).map((g) => requireSpec(g, '--grader'));
  if (opts.repeats < 1 || !Number.isInteger(opts.repeats)) throw new UsageError(`--repeats: expected an integer from 1, got ${opts.repeats}`);
  let fake: FakeProvider | null = null;
  try {
    let env = deps.env;
    let baseUrl = opts.baseUrl;
    let graderBaseUrl = opts.graderBaseUrl;
    if (opts.fakeServer) {
      fake = await startFakeProvider(opts.fakeServer);
      env = { ...deps.env, OPENAI_API_KEY: 'fake-key-not-secret', ANTHROPIC_API_KEY: 'fake-key-not-secret' };
      const urlFor = (s: ModelSpec): string => (s.provider === 'openai' ? fake!.openaiBaseUrl : fake!.anthropicBaseUrl);
      baseUrl = candidateSpec ? urlFor(candidateSpec) : null;
      graderBaseUrl = urlFor(graderSpecs[0] as ModelSpec);
      log.info({ url: fake.url }, 'started the bundled fake provider (test double)');
    }
    const pool = new ClientPool(env);
    const endpoint = (url: string | null) => ({
      baseURL: url,
      rpm: opts.rpm,
      tpm: opts.tpm,
      maxInFlight: opts.concurrency,
      maxRetries: opts.maxRetries,
      timeoutMs: opts.timeoutMs,
    });
    const wrap = (client: ModelClient, url: string | null): ModelClient =>
      opts.cacheDir ? new CachingClient(client, resolve(deps.cwd, opts.cacheDir), url ?? 'default') : client;
    const candidate: RoleClient | null = candidateSpec
      ? { client: wrap(pool.create(candidateSpec, endpoint(baseUrl), '--model'), baseUrl), params: samplingParams(candidateSpec, opts) }
      : null;
    const graderParams = graderSpecs.map((s) => referenceGraderParams(s));
    const graders: RoleClient[] = graderSpecs.map((s, i) => ({
      client: wrap(pool.create(s, endpoint(graderBaseUrl), '--grader'), graderBaseUrl),
      params: graderParams[i] as SamplingParams,
    }));
    const template = await loadTemplate(opts.graderTemplatePath, deps.cwd);
    const dataset = await openDataset(opts.dataset, { cwd: deps.cwd, env });
    const selected = selectExampleIndices(dataset.ids.length, opts.limit);
    const rank = new Map(selected.map((index, r) => [index, r]));
    const rankById = new Map(selected.map((index, r) => [dataset.ids[index] ?? '', r]));
    const config: RunConfig = {
      task: 'healthbench',
      dataset: { name: dataset.name, sha256: dataset.sha256, officialSha256: dataset.officialSha256, limit: opts.limit ?? null, count: selected.length },
      model: candidateSpec && candidate ? { spec: formatModelSpec(candidateSpec), params: candidate.params } : null,
      responses: opts.responses,
      graders: graderSpecs.map((s, i) => ({
        spec: formatModelSpec(s),
        params: graderParams[i] as SamplingParams,
        templateSha256: template.sha256,
        officialTemplate: template.official,
      })),
      graderAttempts: opts.graderAttempts,
      graderVote: opts.graderVote,
      seed: opts.seed,
      repeats: opts.repeats,
    };
    const started = now();
    const runDir = resolve(deps.cwd, opts.outDir ?? join('reports', newRunId(started, opts.model)));
    const secrets = pool.secrets;
    const redacting = new RunStore(runDir, (t) => redactSecrets(t, secrets));
    const previous = (await redacting.readRunJson()) as RunRecord | null;
    if (opts.resume && !previous) throw new UsageError(`--resume ${runDir}: no run.json there, nothing to resume`);
    if (previous) {
      const diffs = configDifferences(previous.config, config);
      if (diffs.length > 0) {
        throw new UsageError(`${runDir} holds a run with a different configuration; use another --out. Differences:\n  ${diffs.join('\n  ')}`);
      }
      log.info({ runDir, status: previous.status }, 'resuming');
    }
    const prior = await redacting.loadProgress();
    if (prior.tornLines > 0) log.warn({ tornLines: prior.tornLines }, 'dropped lines cut short by an earlier crash');
    await redacting.open();
    const total = opts.responses === 'model' ? selected.length * opts.repeats : selected.length;
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
    };
    await redacting.writeRunJson(run);
    const maxErrors = resolveMaxErrors(opts.maxErrors, total);
    let lastProgress: Progress | null = null;
    try {
      const result = await executeRun({
        items: healthbenchItems(dataset, rank, opts.repeats, opts.responses),
        total,
        evaluator: healthbenchEvaluator(graderSpecs.map(() => template.text), opts.graderVote),
        candidate: opts.responses === 'model' ? candidate : null,
        graders,
        graderAttempts: opts.graderAttempts,
        concurrency: opts.concurrency,
        maxErrors,
        store: redacting,
        prior,
        logger: log,
        signal: deps.signal,
        onProgress: (p) => {
          lastProgress = p;
          deps.onProgress?.(p);
        },
      });
      lastProgress = result.progress;
    } catch (err) {
      const status = err instanceof CancelledError ? 'cancelled' : 'failed';
      redacting.close();
      await redacting.writeRunJson({
        ...run,
        status,
        updatedAt: now().toISOString(),
        progress: lastProgress,
        error: err instanceof HealthbenchError ? err.message : String(err),
      });
      if (err instanceof CancelledError) {
        throw new CancelledError(`run cancelled; finished work is saved. Resume with: healthbench eval --resume ${runDir} (same flags)`);
      }
      throw err;
    }
    redacting.close();
    const latest = new Map<string, OrderedSample>();
    for await (const s of iterateSamples(redacting.samplesPath)) {
      const r = rankById.get(s.exampleId) ?? 0;
      latest.set(sampleKey(s.exampleId, s.repeat), { position: s.repeat * selected.length + r, sample: s as SampleRecord });
    }
    const finished = now();
    const notes: string[] = [];
    if (opts.responses !== 'model') notes.push(`Baseline run: graded the ${opts.responses === 'physician' ? 'physician-written ideal completions' : 'reference model completions'}; no candidate model was called.`);
    if (!template.official) notes.push('Grader template: our own wording with the official structure and output contract (not byte-identical to the official template).');
    if (graderSpecs.length > 1) notes.push(`${graderSpecs.length} graders; scores use the ${opts.graderVote === 'majority' ? 'majority verdict' : 'first grader'}.`);
    const report = buildHealthbenchReport([...latest.values()], {
      runId: run.runId,
      createdAt: finished.toISOString(),
      toolVersion: TOOL_VERSION,
      dataset: { name: dataset.name, sha256: dataset.sha256, officialSha256: dataset.officialSha256, count: selected.length },
      model: config.model ? { spec: config.model.spec, params: { ...config.model.params } } : null,
      grader: {
        spec: config.graders.map((g) => g.spec).join(', '),
        params: { ...config.graders[0]?.params },
        templateSha256: template.sha256,
        officialTemplate: template.official,
        mode: 'per-criterion',
      },
      seed: opts.seed,
      repeats: opts.repeats,
      testDouble: fake !== null,
      notes,
    });
    const markdown = renderMarkdownReport(report);
    await redacting.writeText('report.json', `${JSON.stringify(report, null, 2)}\n`);
    await redacting.writeText('report.md', markdown);
    const done: RunRecord = { ...run, status: 'completed', updatedAt: finished.toISOString(), finishedAt: finished.toISOString(), progress: lastProgress };
    await redacting.writeRunJson(done);
    return { runDir, run: done, report, markdown };
  } finally {
    await fake?.close();
  }
}
