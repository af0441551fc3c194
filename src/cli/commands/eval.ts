import { ExitCode, UsageError } from '../../core/errors.js';
import { createLogger } from '../../log.js';
import { estimateEval, runEval, taskForDataset, type EvalOptions } from '../../runner/eval.js';
import type { LengthAdjustmentChoice } from '../../runner/tasks/healthbench.js';
import { parseLabels } from '../../runner/audit.js';
import { parseShard } from '../../runner/shard.js';
import type { BatchSettings } from '../../runner/batch/batch-mode.js';
import { numberFlag, parseFlags } from '../args.js';
import type { CommandRun } from '../io.js';
import { createProgressBar } from '../progress.js';

export const HELP = `Usage: healthbench eval --model PROVIDER:MODEL [options]

Replays benchmark conversations to a candidate model, grades every response against its rubric with a
grader model, and writes run.json, samples.jsonl, report.json and report.md to the run directory.

Data
  --dataset NAME|PATH      healthbench (default), healthbench-hard, healthbench-consensus,
                           healthbench-professional, demo, a HealthBench or HealthBench Professional
                           .jsonl/.jsonl.gz file, or a directory with conversations/ + rubrics/
  --limit N                N examples chosen exactly as the reference's --examples (Random(0).sample)
  --repeats R              sample and grade every example R times; all pooled (default 1)
  --responses MODE         model (default) | physician | reference: grade the dataset's own completions
  --length-adjustment P    published: the published center/penalty of the set | none; default: on for
                           Professional (center 2000, penalty 0.0147), off for the other sets
  --length-adjustment-center CHARS, --length-adjustment-penalty P
                           your own constants (both together; penalty per 500 characters)
MedCalc-Bench (--dataset medcalc, medcalc-v1.2, medcalc-verified or a .csv)
  --prompt-style STYLE     zero_shot (default) | one_shot | direct_answer
  --medcalc-compat MODE    current (default, corrected) | v1.0 (the published scoring, defects included)
  --labels FILE            physician-corrected labels (medcalc_v1_corrected.csv format)
  --exemplars FILE         one-shot exemplar JSON (default: the version's upstream file)
Candidate
  --model P:M              openai:<model> (Chat Completions; gpt-5*/o* through the Responses API)
                           or anthropic:<model> (Messages)
  --api MODE               auto (default) | chat | responses: the OpenAI endpoint of the candidate
  --reasoning-effort E     none | minimal | low | medium | high | xhigh (reasoning models)
  --base-url URL           OpenAI-compatible server (vLLM, Ollama, llama.cpp) or Anthropic endpoint
  --system-prompt TEXT     system message ('none' for no system message; default: the reference's)
  --temperature T, --max-tokens N
Grader
  --grader P:M             default openai:gpt-4.1-2025-04-14 (Professional: openai:gpt-5.4-2026-03-05 at
                           low effort); give it several times to grade with several
  --grader-api MODE        auto (default) | chat | responses
  --grader-reasoning-effort E  as --reasoning-effort, for the graders
  --grader-vote MODE       first (default) | majority, when several graders are given
  --grader-base-url URL    endpoint for the grader
  --grader-template FILE   your template (official or not; its sha256 is recorded)
  --grader-attempts N      grader calls per rubric item before it is a grader error (default 3)
  --grader-mode MODE       per-criterion (default, the reference protocol) | batched (one call per sample,
                           labelled in the report; check it with \`healthbench agreement\`)
  --batched-template FILE  your batched template
Run
  --out DIR                run directory (default reports/<run-id>); an unfinished run there is resumed
  --resume DIR             continue the run in DIR (same flags required)
  --concurrency N          calls in flight (default 32)
  --rpm N, --tpm N         requests / input tokens per minute, per provider endpoint
  --timeout SECONDS        per request (default 120)
  --max-retries N          SDK retries on 429 / 5xx / timeouts / resets (default 6)
  --max-errors N|P%        fail the run (exit 3) when more samples than this fail (default 5%)
  --cache DIR              reuse responses of identical earlier requests (errors are never cached)
  --seed N                 bootstrap seed (default 42)
  --shard I/N              evaluate shard I of N (examples split by a hash of their id);
                           combine the shards with \`healthbench merge\`
  --label KEY=VALUE        record who/what ran it in run.json (repeatable), e.g. --label trigger=nightly
  --fake-server            run against the bundled test double (no network, no key)
  --dry-run                print the calls, tokens and estimated cost, then exit (no call, no file)
  --prices FILE            JSON {"provider:model": {input, cachedInput, output}} USD per 1M tokens
Batch mode (half price; results within the providers' 24 h window)
  --batch                  send every candidate, then every grader request through the OpenAI Batch API /
                           Anthropic Message Batches; batch ids are journaled, so a killed run resumes by polling
  --batch-fallback MODE    none (default) | live: requests whose batch attempts are used up are sent live
  --batch-attempts N       batches a request may go into before it is given up (default 3)
  --batch-poll SECONDS     how often to poll the batches (default 30)
  --batch-max-requests N   split batches below the provider's limit (OpenAI 50,000, Anthropic 100,000)
  --batch-max-bytes N      input bytes per batch (default 50 MB; the providers allow 200 MB / 256 MB)
  --cancel-batches         with --resume: cancel the run's batches still running (their finished results are kept)
Release gate
  --gate POLICY            check a policy (JSON/YAML) when the run ends; exit 1 if it fails
  --baseline RUN           diff against a baseline run (paired bootstrap CIs) for the policy's drop rules
  --allow-grader-change    compare with a baseline graded by another grader / template
Output
  --json                   print report.json on stdout instead of the summary
  --log-level LEVEL        pino level on stderr (default warn); --log-file FILE to log to a file
`;

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
  help: { type: 'boolean', short: 'h' },
} as const;

function oneOf<T extends string>(value: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`Expected \`--${name}\` to be one of ${allowed.join(', ')}, got \`${value}\``);
}

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
const APIS = ['auto', 'chat', 'responses'] as const;

/** `--length-adjustment` with `--length-adjustment-center/-penalty`: a preset, or both numbers, never a mix. */
function lengthAdjustmentOf(v: ReturnType<typeof parseFlags<typeof FLAGS>>['values']): LengthAdjustmentChoice {
  const center = numberFlag(v['length-adjustment-center'], 'length-adjustment-center', { min: 0 });
  const penalty = numberFlag(v['length-adjustment-penalty'], 'length-adjustment-penalty', { min: 0 });
  if ((center === undefined) !== (penalty === undefined)) {
    throw new UsageError('--length-adjustment-center and --length-adjustment-penalty go together: give both (or --length-adjustment published)');
  }
  const preset = v['length-adjustment'];
  if (center !== undefined && penalty !== undefined) {
    if (preset !== undefined) throw new UsageError(`--length-adjustment ${preset} and --length-adjustment-center/-penalty contradict each other; give one`);
    return { kind: 'custom', center, penalty };
  }
  if (preset === undefined) return { kind: 'default' };
  return { kind: oneOf(preset, 'length-adjustment', ['published', 'none'] as const, 'published') };
}

/** Flag values → EvalOptions (also used by `meta-eval`). */
export function toEvalOptions(v: ReturnType<typeof parseFlags<typeof FLAGS>>['values']): EvalOptions {
  const responses = oneOf(v.responses, 'responses', ['model', 'physician', 'reference'] as const, 'model');
  const dataset = v.dataset ?? 'healthbench';
  const lengthAdjustment = lengthAdjustmentOf(v);
  if (lengthAdjustment.kind !== 'default' && taskForDataset(dataset) === 'medcalc') {
    throw new UsageError('--length-adjustment*: the length-adjusted score is for HealthBench sets, not MedCalc-Bench; drop the flag');
  }
  return {
    task: taskForDataset(dataset),
    dataset,
    limit: numberFlag(v.limit, 'limit', { integer: true, min: 1 }),
    repeats: numberFlag(v.repeats, 'repeats', { integer: true, min: 1 }) ?? 1,
    seed: numberFlag(v.seed, 'seed', { integer: true, min: 0 }) ?? 42,
    model: v.model ?? null,
    responses,
    baseUrl: v['base-url'] ?? null,
    systemPrompt: v['system-prompt'] === undefined ? undefined : v['system-prompt'] === 'none' ? null : v['system-prompt'],
    temperature: numberFlag(v.temperature, 'temperature', { min: 0, max: 2 }),
    maxTokens: numberFlag(v['max-tokens'], 'max-tokens', { integer: true, min: 1 }),
    graders: v.grader ?? [],
    graderVote: oneOf(v['grader-vote'], 'grader-vote', ['first', 'majority'] as const, 'first'),
    graderBaseUrl: v['grader-base-url'] ?? null,
    graderTemplatePath: v['grader-template'] ?? null,
    graderMode: oneOf(v['grader-mode'], 'grader-mode', ['per-criterion', 'batched'] as const, 'per-criterion'),
    batchedTemplatePath: v['batched-template'] ?? null,
    graderAttempts: numberFlag(v['grader-attempts'], 'grader-attempts', { integer: true, min: 1, max: 20 }) ?? 3,
    concurrency: numberFlag(v.concurrency, 'concurrency', { integer: true, min: 1, max: 4096 }) ?? 32,
    rpm: numberFlag(v.rpm, 'rpm', { integer: true, min: 1 }) ?? null,
    tpm: numberFlag(v.tpm, 'tpm', { integer: true, min: 1 }) ?? null,
    timeoutMs: (numberFlag(v.timeout, 'timeout', { min: 0.001 }) ?? 120) * 1000,
    maxRetries: numberFlag(v['max-retries'], 'max-retries', { integer: true, min: 0, max: 20 }) ?? 6,
    maxErrors: v['max-errors'] ?? '5%',
    outDir: v.resume ?? v.out ?? null,
    resume: v.resume !== undefined,
    cacheDir: v.cache ?? null,
    fakeServer: v['fake-server'] ? {} : null,
    promptStyle: oneOf(v['prompt-style'], 'prompt-style', ['zero_shot', 'one_shot', 'direct_answer'] as const, 'zero_shot'),
    medcalcCompat: oneOf(v['medcalc-compat'], 'medcalc-compat', ['current', 'v1.0'] as const, 'current'),
    labelsPath: v.labels ?? null,
    exemplarsPath: v.exemplars ?? null,
    gatePolicyPath: v.gate ?? null,
    baselinePath: v.baseline ?? null,
    allowGraderChange: v['allow-grader-change'] ?? false,
    pricesPath: v.prices ?? null,
    api: oneOf(v.api, 'api', APIS, 'auto'),
    graderApi: oneOf(v['grader-api'], 'grader-api', APIS, 'auto'),
    reasoningEffort: v['reasoning-effort'] === undefined ? null : oneOf(v['reasoning-effort'], 'reasoning-effort', EFFORTS, 'low'),
    graderReasoningEffort: v['grader-reasoning-effort'] === undefined ? null : oneOf(v['grader-reasoning-effort'], 'grader-reasoning-effort', EFFORTS, 'low'),
    lengthAdjustment,
    shard: v.shard === undefined ? null : parseShard(v.shard),
    labels: parseLabels(v.label ?? []),
    batch: toBatchSettings(v),
  };
}

/** `--batch` and its flags; `--cancel-batches` implies batch mode. */
function toBatchSettings(v: ReturnType<typeof parseFlags<typeof FLAGS>>['values']): BatchSettings | null {
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
    fallbackLive: oneOf(v['batch-fallback'], 'batch-fallback', ['none', 'live'] as const, 'none') === 'live',
    attempts: numberFlag(v['batch-attempts'], 'batch-attempts', { integer: true, min: 1, max: 20 }) ?? 3,
    pollMs: (numberFlag(v['batch-poll'], 'batch-poll', { min: 0.001 }) ?? 30) * 1000,
    cancelBatches: v['cancel-batches'] ?? false,
    maxRequests: numberFlag(v['batch-max-requests'], 'batch-max-requests', { integer: true, min: 1 }) ?? null,
    maxBytes: numberFlag(v['batch-max-bytes'], 'batch-max-bytes', { integer: true, min: 1024 }) ?? null,
  };
}

export const run: CommandRun = async (argv, io) => {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const options = toEvalOptions(values);
  if (values['dry-run']) {
    const { estimate, text } = await estimateEval(options, { cwd: io.cwd, env: io.env });
    io.stdout(values.json ? `${JSON.stringify(estimate, null, 2)}\n` : text);
    return ExitCode.Ok;
  }
  const logger = createLogger({ level: values['log-level'] ?? 'warn', file: values['log-file'], secrets: [io.env['OPENAI_API_KEY'] ?? '', io.env['ANTHROPIC_API_KEY'] ?? ''] });
  const bar = createProgressBar(io.stderr, io.isTTY && !values.json);
  try {
    const onBatchStatus = (lines: string[]): void => io.stderr(`${lines.map((l) => `batch ${l}`).join('\n')}\n`);
    const result = await runEval(options, { cwd: io.cwd, env: io.env, logger, signal: io.signal, onProgress: bar.update, onBatchStatus });
    bar.done();
    if (values.json) io.stdout(`${JSON.stringify(result.report, null, 2)}\n`);
    else io.stdout(`${[...result.summary, `report: ${result.runDir}/report.md`].join('\n')}\n`);
    return result.gate && !result.gate.passed ? ExitCode.GateFailed : ExitCode.Ok;
  } catch (err) {
    bar.done();
    throw err;
  } finally {
    logger.flush();
  }
};
