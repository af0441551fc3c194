#!/usr/bin/env node
/**
 * `npm run bench`: measures the real CLI against the bundled fake provider (run in its own process, so the
 * harness's CPU and memory are measured alone) on a synthetic HealthBench-shaped workload, and writes
 * bench/results.json. Built by `npm run bench:build` into bench/dist/ (outside the shipped package); see
 * `npm run bench -- --help`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Example, SampleRecord } from '../src/core/types.js';
import { renderBatchedPrompt, renderGraderPrompt, renderRubricItem } from '../src/grading/index.js';
import { buildHealthbenchReport } from '../src/report/build-report.js';
import { renderMarkdownReport } from '../src/report/render-markdown.js';
import { exampleMetrics } from '../src/scoring/index.js';
import { batchedGraderReply, candidateReply, graderReply, type ReplyContext } from '../src/testing/fake-replies.js';
import { seededRandom, syntheticExample, toOfficialRecord, toOwnFormat } from './workload.js';

/** The repository: this file runs as bench/dist/bench/run-bench.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const GRADER_SYSTEM = 'You are a helpful assistant.';

const HELP = `Usage: npm run bench -- [options]   (builds dist/ and bench/dist/ first; or node bench/dist/bench/run-bench.js)

Runs \`healthbench eval\` on a synthetic HealthBench-shaped workload against the fake provider (started as
\`healthbench fake-server\` in its own process) and measures, per scenario: calls, wall and ideal seconds,
efficiency, calls/s, peak and mean in-flight, peak RSS, CPU per 1,000 calls and time to the first request.
Also times \`healthbench --help\` and report generation, and compares batched and per-criterion grader tokens.

Options:
  --examples N        workload size (default 2000; 5000 = full HealthBench scale)
  --scenarios LIST    comma-separated subset of: c16,c64,c256,rpm,rpm-learned,zero,grader-mode (default: all)
  --quick             small sizes, a few seconds per scenario (smoke run)
  --out FILE          results file (default bench/out/results.json, untracked; with --quick, nothing is written
                      unless given)
  --save, --update-readme-figures
                      write the tracked bench/results.json (bench/results-N.json for --examples N other than
                      2000): the figures the README quotes. Without it a run leaves the clone clean.
  --with-language     state each example's language in the data, so no language detection runs (the official
                      data states none, so by default the detector is loaded and measured like in a real run)
  --keep              keep the temporary workload and run directories
  -h, --help          show this help
`;

interface Scenario {
  name: string;
  description: string;
  latencyMs: number;
  jitterMs: number;
  concurrency: number;
  /** Examples evaluated (`--limit`), so slow scenarios stay within a few minutes. */
  examples: number;
  /** A quota enforced by the fake (a 1 s token bucket at `fake` requests per minute); `harness` is the --rpm given, null for none. */
  rpm: { fake: number; harness: number | null } | null;
}

interface FakeStats {
  total: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  peakInFlight: number;
  firstRequestAt: number | null;
  lastResponseAt: number | null;
}

interface ProcessUsage {
  peakRssMb: number | null;
  userS: number | null;
  systemS: number | null;
  /** VmRSS samples (every 100 ms) of the eval process: MB at 25 %, 50 %, 75 % of the run and the last one. */
  rssQuartilesMb: number[];
}

interface ScenarioResult {
  name: string;
  description: string;
  examples: number;
  concurrency: number;
  latencyMs: number;
  jitterMs: number;
  rpmCap: Scenario['rpm'];
  exitCode: number | null;
  /** Successful model calls (HTTP 200) the fake served. */
  calls: number;
  rateLimited: number;
  failedSamples: number | null;
  wallS: number;
  /** From the first request to the process exit. */
  activeS: number | null;
  idealS: number | null;
  idealFormula: string;
  efficiency: number | null;
  callsPerS: number;
  peakInFlight: number;
  /** Little's law: calls × mean latency / active seconds. */
  meanInFlight: number | null;
  peakRssMb: number | null;
  rssQuartilesMb: number[];
  cpuSPer1000Calls: number | null;
  startupToFirstRequestMs: number | null;
  /** From the fake's last response to the process exit: the report phase after the last call. */
  lastResponseToExitMs: number | null;
  graderInputTokensPerSample: number | null;
  notes: string[];
}

const round = (v: number | null, d = 3): number | null => (v === null || !Number.isFinite(v) ? null : Number(v.toFixed(d)));

function scenarios(examples: number, quick: boolean): Scenario[] {
  const lat = { latencyMs: 300, jitterMs: 100 };
  const cap = (n: number): number => Math.min(examples, n);
  // The issue's scenario: 600 requests per minute as a provider enforces it, ~300 calls (24 examples × ~12.45).
  const quotaExamples = cap(quick ? 10 : 24);
  return [
    // At 16 in flight and 300 ms the ideal rate is 53 calls/s; 600 examples (~7,500 calls) keep it near 2.5 min.
    { name: 'c16', description: 'latency 300±100 ms, concurrency 16', ...lat, concurrency: 16, examples: cap(quick ? 15 : 600), rpm: null },
    {
      name: 'c64',
      description: 'latency 300±100 ms, concurrency 64',
      ...lat,
      concurrency: 64,
      examples: cap(quick ? 60 : examples),
      rpm: null,
    },
    {
      name: 'c256',
      description: 'latency 300±100 ms, concurrency 256',
      ...lat,
      concurrency: 256,
      examples: cap(quick ? 100 : examples),
      rpm: null,
    },
    {
      name: 'rpm',
      description:
        'quota: fake enforces 600 requests/min (token bucket, 1 s burst, 429 beyond), --rpm 600, concurrency 16, latency 300±100 ms',
      ...lat,
      concurrency: 16,
      examples: quotaExamples,
      rpm: { fake: 600, harness: 600 },
    },
    {
      name: 'rpm-learned',
      description:
        'quota: fake enforces 600 requests/min (token bucket, 1 s burst), no --rpm (learned from headers), concurrency 32, latency 300±100 ms',
      ...lat,
      concurrency: 32,
      examples: quotaExamples,
      rpm: { fake: 600, harness: null },
    },
    {
      name: 'zero',
      description: 'zero latency (pure harness overhead), concurrency 64',
      latencyMs: 0,
      jitterMs: 0,
      concurrency: 64,
      examples: cap(quick ? 100 : examples),
      rpm: null,
    },
  ];
}

/**
 * Writes the workload and returns the dataset path and its rubric sizes: the official HealthBench format (as a
 * real run reads it, streamed, languages detected) by default; our own format when languages are stated.
 */
async function writeWorkload(dir: string, n: number, language: string | null): Promise<{ criteria: number; path: string }> {
  const rng = seededRandom(20250101);
  const conv: string[] = [];
  const rub: string[] = [];
  const official: string[] = [];
  let criteria = 0;
  for (let i = 0; i < n; i += 1) {
    const e = syntheticExample(i, rng, language);
    criteria += e.rubric.length;
    if (language === null) {
      official.push(toOfficialRecord(e));
    } else {
      const f = toOwnFormat(e);
      conv.push(f.conversation);
      rub.push(f.rubric);
    }
  }
  if (language === null) {
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'healthbench-synthetic.jsonl');
    await writeFile(path, `${official.join('\n')}\n`);
    return { criteria, path };
  }
  await mkdir(join(dir, 'conversations'), { recursive: true });
  await mkdir(join(dir, 'rubrics'), { recursive: true });
  await writeFile(join(dir, 'conversations', 'bench.jsonl'), `${conv.join('\n')}\n`);
  await writeFile(join(dir, 'rubrics', 'bench.jsonl'), `${rub.join('\n')}\n`);
  return { criteria, path: dir };
}

async function startFake(s: Scenario): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const args = [CLI, 'fake-server', '--stats-json', '--seed', '1', '--latency-ms', String(s.latencyMs), '--jitter-ms', String(s.jitterMs)];
  if (s.rpm) args.push('--rpm', String(s.rpm.fake));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => void (err += d.toString()));
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res((JSON.parse(out.slice(0, nl)) as { openaiBaseUrl: string }).openaiBaseUrl);
    });
    child.once('exit', (code) => rej(new Error(`fake-server exited (${code}) before listening: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

async function stopFake(fake: { child: ChildProcess; stderr: () => string }): Promise<FakeStats> {
  const exited = once(fake.child, 'exit');
  fake.child.kill('SIGTERM');
  await exited;
  const line = fake
    .stderr()
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{') && l.includes('"total"'));
  if (!line) throw new Error(`fake-server printed no stats: ${fake.stderr().slice(-500)}`);
  return JSON.parse(line) as FakeStats;
}

function readProcRss(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function childPid(pid: number): number | null {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}

const TIME_BIN = '/usr/bin/time';

/** Runs a node CLI command, measuring it with GNU time (peak RSS, CPU) when present, else from /proc. */
async function measured(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; spawnAt: number; exitAt: number; stdout: string; stderr: string; usage: ProcessUsage }> {
  const useTime = existsSync(TIME_BIN);
  const timeFile = join(tmpdir(), `hb-bench-time-${process.pid}-${Date.now()}.txt`);
  const spawnAt = Date.now();
  const child = useTime
    ? spawn(TIME_BIN, ['-v', '-o', timeFile, process.execPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => void (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-20_000)));
  const samples: number[] = [];
  let peak = 0;
  const timer = setInterval(() => {
    const pid = useTime ? childPid(child.pid ?? 0) : (child.pid ?? null);
    const rss = pid === null ? null : readProcRss(pid);
    if (rss !== null) {
      samples.push(rss);
      peak = Math.max(peak, rss);
    }
  }, 100);
  const [code] = (await once(child, 'exit')) as [number | null];
  const exitAt = Date.now();
  clearInterval(timer);
  const q = (f: number): number => Number((samples[Math.min(samples.length - 1, Math.floor(f * samples.length))] ?? 0).toFixed(1));
  const usage: ProcessUsage = {
    peakRssMb: samples.length > 0 ? peak : null,
    userS: null,
    systemS: null,
    rssQuartilesMb: samples.length > 0 ? [q(0.25), q(0.5), q(0.75), q(1)] : [],
  };
  if (useTime && existsSync(timeFile)) {
    const t = await readFile(timeFile, 'utf8');
    const num = (re: RegExp): number | null => {
      const m = re.exec(t);
      return m ? Number(m[1]) : null;
    };
    const kb = num(/Maximum resident set size \(kbytes\): (\d+)/);
    usage.peakRssMb = kb === null ? usage.peakRssMb : kb / 1024;
    usage.userS = num(/User time \(seconds\): ([\d.]+)/);
    usage.systemS = num(/System time \(seconds\): ([\d.]+)/);
    await rm(timeFile, { force: true });
  }
  return { code, spawnAt, exitAt, stdout, stderr, usage };
}

async function runScenario(s: Scenario, dataset: string, work: string, extra: string[] = [], tag = s.name): Promise<ScenarioResult> {
  const fake = await startFake(s);
  const out = join(work, `run-${tag}`);
  const args = [
    CLI,
    'eval',
    '--dataset',
    dataset,
    '--limit',
    String(s.examples),
    '--model',
    'openai:bench',
    '--grader',
    'openai:bench-grader',
  ];
  args.push(
    '--base-url',
    fake.url,
    '--grader-base-url',
    fake.url,
    '--concurrency',
    String(s.concurrency),
    '--out',
    out,
    '--seed',
    '1',
    ...extra,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_API_KEY: 'bench' };
  const notes: string[] = [];
  if (s.rpm?.harness) args.push('--rpm', String(s.rpm.harness));
  let m;
  let stats: FakeStats;
  try {
    m = await measured(args, env);
  } finally {
    stats = await stopFake(fake);
  }
  if (m.code !== 0) notes.push(`eval exited ${m.code}: ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  let failedSamples: number | null = null;
  let graderInput: number | null = null;
  try {
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      overall: { errors: number; n: number };
      usage: Record<string, { inputTokens: number }>;
    };
    failedSamples = report.overall.errors;
    const n = report.overall.n + report.overall.errors;
    graderInput = n > 0 ? (report.usage['grader']?.inputTokens ?? 0) / n : null;
  } catch {
    notes.push('no report.json');
  }
  const calls = stats.byStatus['200'] ?? 0;
  const wallS = (m.exitAt - m.spawnAt) / 1000;
  const activeS = stats.firstRequestAt === null ? null : (m.exitAt - stats.firstRequestAt) / 1000;
  let idealS: number | null = null;
  let idealFormula = 'n/a (no latency: overhead only)';
  if (s.rpm) {
    // The issue's measure: answered calls ÷ (rpm / 60) ÷ wall, i.e. ideal = calls at the quota's rate.
    idealS = (calls * 60) / s.rpm.fake;
    idealFormula = `calls / (${s.rpm.fake} / 60 per s)`;
  } else if (s.latencyMs > 0) {
    idealS = (calls * s.latencyMs) / 1000 / s.concurrency;
    idealFormula = `calls × ${s.latencyMs} ms / ${s.concurrency}`;
  }
  const cpu = m.usage.userS !== null && m.usage.systemS !== null ? m.usage.userS + m.usage.systemS : null;
  return {
    name: tag,
    description: s.description,
    examples: s.examples,
    concurrency: s.concurrency,
    latencyMs: s.latencyMs,
    jitterMs: s.jitterMs,
    rpmCap: s.rpm,
    exitCode: m.code,
    calls,
    rateLimited: stats.byStatus['429'] ?? 0,
    failedSamples,
    wallS: round(wallS) ?? 0,
    activeS: round(activeS),
    idealS: round(idealS),
    idealFormula,
    efficiency: idealS === null ? null : round(idealS / wallS),
    callsPerS: round(calls / wallS, 1) ?? 0,
    peakInFlight: stats.peakInFlight,
    meanInFlight: s.latencyMs > 0 && activeS ? round((calls * s.latencyMs) / 1000 / activeS, 1) : null,
    peakRssMb: round(m.usage.peakRssMb, 1),
    rssQuartilesMb: m.usage.rssQuartilesMb,
    cpuSPer1000Calls: cpu === null || calls === 0 ? null : round((cpu / calls) * 1000),
    startupToFirstRequestMs: stats.firstRequestAt === null ? null : stats.firstRequestAt - m.spawnAt,
    lastResponseToExitMs: stats.lastResponseAt === null ? null : m.exitAt - stats.lastResponseAt,
    graderInputTokensPerSample: round(graderInput, 1),
    notes,
  };
}

function helpTimes(): { medianMs: number; runsMs: number[] } {
  const runs: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`healthbench --help exited ${r.status}`);
    runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { medianMs: round(sorted[2] ?? 0, 1) ?? 0, runsMs: runs.map((r) => round(r, 1) ?? 0) };
}

function syntheticSamples(n: number): SampleRecord[] {
  const rng = seededRandom(7);
  const usage = { calls: 1, inputTokens: 500, outputTokens: 200, cachedInputTokens: 0 };
  return Array.from({ length: n }, (_, i) => {
    const e = syntheticExample(i, rng);
    const met = e.rubric.map(() => rng() < 0.6);
    const metrics = exampleMetrics(e.tags, e.rubric, met);
    return {
      task: 'healthbench',
      exampleId: e.id,
      repeat: 0,
      language: 'en',
      exampleTags: e.tags,
      messagesSent: e.messages,
      response: 'A synthetic response of ordinary length. '.repeat(20),
      criteria: e.rubric.map((c, k) => ({
        ...c,
        met: met[k] ?? false,
        explanation: 'synthetic verdict explanation',
        attempts: 1,
        error: null,
      })),
      score: metrics?.['overall_score'] ?? null,
      metrics,
      detail: null,
      usage: { candidate: usage, grader: { ...usage, calls: e.rubric.length } },
      error: metrics ? null : { stage: 'scoring', message: 'no positive criterion', cause: null },
    } satisfies SampleRecord;
  });
}

/** Report build (all roll-ups and bootstraps) + Markdown on `n` synthetic samples, in this process. */
function reportTime(n: number): { samples: number; firstMs: number; medianOf3Ms: number } {
  const samples = syntheticSamples(n).map((sample, position) => ({ position, sample }));
  const ctx = {
    runId: 'bench',
    createdAt: new Date(0).toISOString(),
    toolVersion: 'bench',
    dataset: { name: 'bench', sha256: '0', officialSha256: 'n/a' as const, count: n },
    model: null,
    grader: null,
    seed: 42,
    repeats: 1,
    testDouble: true,
    notes: [],
  };
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const t0 = process.hrtime.bigint();
    renderMarkdownReport(buildHealthbenchReport(samples, ctx));
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { samples: n, firstMs: round(times[0] ?? 0, 1) ?? 0, medianOf3Ms: round([...times].sort((a, b) => a - b)[1] ?? 0, 1) ?? 0 };
}

/**
 * Grader tokens per sample, per-criterion vs batched, counted as the fake provider counts them (⌈chars / 4⌉ of
 * every message, the grader's system line included), on the workload's conversations. Responses: the fake
 * candidate's (short) and a 2,500-character one (closer to real model answers, which dominate the prompt).
 */
async function tokenComparison(n: number): Promise<Record<string, unknown>> {
  const perTemplate = await readFile(join(ROOT, 'graders', 'healthbench-grader.md'), 'utf8');
  const batchedTemplate = await readFile(join(ROOT, 'graders', 'healthbench-grader-batched.md'), 'utf8');
  const rng = seededRandom(20250101);
  const ctx: ReplyContext = { seed: 1, model: 'bench', metRate: 0.6, neverValidMarker: '[[never-valid]]', malformed: false, rotation: 0 };
  const tokens = (text: string): number => Math.ceil((GRADER_SYSTEM.length + text.length) / 4);
  const out = (text: string): number => Math.ceil(text.length / 4);
  const totals = { short: { per: 0, batched: 0, perOut: 0, batchedOut: 0 }, long: { per: 0, batched: 0, perOut: 0, batchedOut: 0 } };
  let criteria = 0;
  const examples: Example[] = Array.from({ length: n }, (_, i) => syntheticExample(i, rng));
  for (const e of examples) {
    const sent = [{ role: 'system' as const, content: GRADER_SYSTEM }, ...e.messages];
    const fakeResponse = candidateReply(sent, ctx);
    criteria += e.rubric.length;
    for (const [kind, response] of [
      ['short', fakeResponse],
      ['long', `${fakeResponse} ${'More detail about the advice. '.repeat(80)}`.slice(0, 2500)],
    ] as const) {
      const t = totals[kind];
      for (const c of e.rubric) {
        const prompt = renderGraderPrompt(perTemplate, sent, response, renderRubricItem(c.points, c.text));
        t.per += tokens(prompt);
        t.perOut += out(graderReply([{ role: 'user', content: prompt }], ctx));
      }
      const items = e.rubric.map((c, k) => ({ id: `c${k + 1}`, points: c.points, text: c.text }));
      const prompt = renderBatchedPrompt(batchedTemplate, sent, response, items);
      t.batched += tokens(prompt);
      t.batchedOut += out(batchedGraderReply([{ role: 'user', content: prompt }], ctx));
    }
  }
  const per = (v: number): number => round(v / n, 1) ?? 0;
  const side = (t: typeof totals.short) => ({
    perCriterionInputTokensPerSample: per(t.per),
    batchedInputTokensPerSample: per(t.batched),
    inputRatio: round(t.per / t.batched, 2),
    perCriterionOutputTokensPerSample: per(t.perOut),
    batchedOutputTokensPerSample: per(t.batchedOut),
  });
  return {
    samples: n,
    meanCriteriaPerSample: round(criteria / n, 2),
    method:
      "prompts rendered with the real templates; tokens = ceil(chars / 4) as the fake provider counts them; outputs are the fake grader's replies",
    fakeCandidateResponse: side(totals.short),
    response2500Chars: side(totals.long),
  };
}

function evalSupports(flag: string): boolean {
  const r = spawnSync(process.execPath, [CLI, 'eval', '--help'], { encoding: 'utf8' });
  return r.stdout.includes(flag);
}

function table(results: ScenarioResult[]): string {
  const head = [
    'scenario',
    'calls',
    'wall s',
    'ideal s',
    'eff',
    'calls/s',
    'peak inflt',
    'mean inflt',
    'peak RSS MB',
    'CPU s/1k',
    'start ms',
    'tail ms',
    '429s',
    'failed',
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.calls),
    String(r.wallS),
    r.idealS === null ? '-' : String(r.idealS),
    r.efficiency === null ? '-' : r.efficiency.toFixed(3),
    String(r.callsPerS),
    String(r.peakInFlight),
    r.meanInFlight === null ? '-' : String(r.meanInFlight),
    r.peakRssMb === null ? '-' : String(r.peakRssMb),
    r.cpuSPer1000Calls === null ? '-' : String(r.cpuSPer1000Calls),
    r.startupToFirstRequestMs === null ? '-' : String(r.startupToFirstRequestMs),
    r.lastResponseToExitMs === null ? '-' : String(r.lastResponseToExitMs),
    String(r.rateLimited),
    r.failedSamples === null ? '-' : String(r.failedSamples),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const FLAGS = {
  examples: { type: 'string' },
  scenarios: { type: 'string' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  keep: { type: 'boolean' },
  save: { type: 'boolean' },
  'update-readme-figures': { type: 'boolean' },
  'with-language': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type BenchFlags = ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true }>>['values'];

interface BenchOptions {
  flags: BenchFlags;
  quick: boolean;
  examples: number;
  /** Every scenario at this size; `wanted` names the ones to run (and `grader-mode`). */
  all: Scenario[];
  wanted: string[];
}

/** The checked options, or the exit code to return at once (help printed, or a bad flag reported). */
function benchOptions(flags: BenchFlags): BenchOptions | number {
  if (flags.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${CLI} is missing; run \`npm run build\` (or \`npm run bench\`) first\n`);
    return 2;
  }
  const quick = flags.quick === true;
  const examples = Number(flags.examples ?? (quick ? 100 : 2000));
  if (!Number.isInteger(examples) || examples < 1) {
    process.stderr.write(`bench: --examples expects a positive integer, got '${flags.examples ?? ''}'\n`);
    return 2;
  }
  const all = scenarios(examples, quick);
  const wanted = flags.scenarios?.split(',').map((s) => s.trim()) ?? [...all.map((s) => s.name), 'grader-mode'];
  const unknown = wanted.filter((w) => w !== 'grader-mode' && !all.some((s) => s.name === w));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown scenario(s) ${unknown.join(', ')}; choose from ${[...all.map((s) => s.name), 'grader-mode'].join(', ')}\n`,
    );
    return 2;
  }
  return { flags, quick, examples, all, wanted };
}

const log = (t: string): void => void process.stderr.write(`${t}\n`);

async function runScenarios(opts: BenchOptions, dataset: string, work: string): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const s of opts.all.filter((x) => opts.wanted.includes(x.name))) {
    log(`bench: ${s.name}: ${s.description}, ${s.examples} examples ...`);
    const r = await runScenario(s, dataset, work);
    log(
      `bench: ${s.name}: ${r.calls} calls in ${r.wallS} s, efficiency ${r.efficiency ?? '-'}, peak RSS ${r.peakRssMb ?? '-'} MB${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`,
    );
    results.push(r);
  }
  return results;
}

/** Grader tokens per sample, per-criterion vs batched, and (when `eval` has --grader-mode) one run of each on the fake. */
async function graderModeSection(opts: BenchOptions, dataset: string, work: string): Promise<Record<string, unknown>> {
  const n = Math.min(opts.examples, opts.quick ? 50 : 500);
  const graderMode = { tokens: await tokenComparison(n) };
  if (!evalSupports('--grader-mode')) {
    return { ...graderMode, runs: 'this build of `eval` has no --grader-mode flag yet; tokens computed from the rendered prompts only' };
  }
  const base: Scenario = {
    name: 'grader-mode',
    description: 'zero latency, concurrency 64',
    latencyMs: 0,
    jitterMs: 0,
    concurrency: 64,
    examples: n,
    rpm: null,
  };
  const per = await runScenario(base, dataset, work, ['--grader-mode', 'per-criterion'], 'per-criterion');
  const bat = await runScenario(base, dataset, work, ['--grader-mode', 'batched'], 'batched');
  const agree = spawnSync(process.execPath, [CLI, 'agreement', join(work, 'run-per-criterion'), join(work, 'run-batched'), '--json'], {
    encoding: 'utf8',
  });
  const agreement =
    agree.status === 0
      ? (JSON.parse(agree.stdout) as { overall: unknown }).overall
      : `agreement exited ${agree.status}: ${agree.stderr.slice(-300)}`;
  return {
    ...graderMode,
    runs: {
      examples: n,
      perCriterion: { calls: per.calls, graderInputTokensPerSample: per.graderInputTokensPerSample, wallS: per.wallS },
      batched: { calls: bat.calls, graderInputTokensPerSample: bat.graderInputTokensPerSample, wallS: bat.wallS },
      agreementOnTheFake: agreement,
    },
  };
}

function machineInfo(): Record<string, unknown> {
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMbAtStart: Math.round(freemem() / 2 ** 20),
    loadAverage1mAtStart: round(loadavg()[0] ?? 0, 2),
    node: process.version,
    platform: `${process.platform} ${release()}`,
  };
}

type HelpTimes = ReturnType<typeof helpTimes>;
type ReportTimes = ReturnType<typeof reportTime>;
type Target = { met: boolean } & Record<string, unknown>;

/** The figures the issue set as targets, each with whether this run met it. */
function benchTargets(results: ScenarioResult[], help: HelpTimes, reportGen: ReportTimes, examples: number): Record<string, Target | null> {
  const latencyRuns = results.filter((r) => r.latencyMs > 0 && !r.rpmCap);
  const rpmRun = results.find((r) => r.rpmCap?.harness);
  const learnedRun = results.find((r) => r.rpmCap && !r.rpmCap.harness);
  const peakRss = results.map((r) => r.peakRssMb ?? 0);
  return {
    efficiencyAtEveryConcurrency: {
      target: '>= 0.95',
      values: Object.fromEntries(latencyRuns.map((r) => [r.name, r.efficiency])),
      met: latencyRuns.every((r) => (r.efficiency ?? 0) >= 0.95),
    },
    rpmCap: rpmRun
      ? {
          target: '>= 0.95 of the cap, 429s <= 5% of requests, 0 failed samples',
          efficiency: rpmRun.efficiency,
          rateLimitedShare: round(rpmRun.rateLimited / Math.max(1, rpmRun.calls + rpmRun.rateLimited), 4),
          failedSamples: rpmRun.failedSamples,
          met:
            (rpmRun.efficiency ?? 0) >= 0.95 &&
            rpmRun.rateLimited <= 0.05 * (rpmRun.calls + rpmRun.rateLimited) &&
            rpmRun.failedSamples === 0,
        }
      : null,
    rpmLearned: learnedRun
      ? {
          target: '>= 0.85 of the cap without --rpm, 0 failed samples',
          efficiency: learnedRun.efficiency,
          failedSamples: learnedRun.failedSamples,
          met: (learnedRun.efficiency ?? 0) >= 0.85 && learnedRun.failedSamples === 0,
        }
      : null,
    peakRss: {
      target: examples >= 5000 ? '< 400 MB at 5,000 examples' : '< 400 MB (run --examples 5000 for the 5,000-example check)',
      maxMb: peakRss.length ? Math.max(...peakRss) : null,
      met: peakRss.every((v) => v < 400),
    },
    reportGeneration: { target: '< 1000 ms at 5,000 examples (cold)', ms: reportGen.firstMs, met: reportGen.firstMs < 1000 },
    help: { target: '< 300 ms (median of 5)', ms: help.medianMs, met: help.medianMs < 300 },
  };
}

/** The results file: bench/results[-N].json with --save, --out as given, else bench/out/ (nothing for --quick). */
async function writeResults(opts: BenchOptions, output: Record<string, unknown>): Promise<void> {
  const fileName = opts.examples === 2000 ? 'results.json' : `results-${opts.examples}.json`;
  const tracked = opts.flags.save === true || opts.flags['update-readme-figures'] === true;
  const outFile = opts.flags.out ?? (tracked ? join(ROOT, 'bench', fileName) : opts.quick ? null : join(ROOT, 'bench', 'out', fileName));
  if (outFile) {
    await mkdir(dirname(resolve(outFile)), { recursive: true });
    await writeFile(resolve(outFile), `${JSON.stringify(output, null, 2)}\n`);
    process.stdout.write(`wrote ${outFile}\n`);
  }
}

async function runBench(opts: BenchOptions, work: string): Promise<number> {
  const started = new Date();
  const language = opts.flags['with-language'] === true ? 'en' : null;
  const { criteria, path: dataset } = await writeWorkload(join(work, 'workload'), opts.examples, language);
  log(
    `bench: workload ${opts.examples} examples, ${criteria} criteria (${(criteria / opts.examples).toFixed(2)} per example) in ${dataset}`,
  );
  const results = await runScenarios(opts, dataset, work);
  const graderMode = opts.wanted.includes('grader-mode') ? await graderModeSection(opts, dataset, work) : null;
  const help = helpTimes();
  const reportGen = reportTime(Math.max(opts.examples, 5000));
  const machine = machineInfo();
  const targets = benchTargets(results, help, reportGen, opts.examples);
  const output = {
    formatVersion: 1,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    command: `node bench/dist/bench/run-bench.js ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    workload: {
      examples: opts.examples,
      criteria,
      criteriaPerExample: round(criteria / opts.examples, 2),
      format: 'own format (conversations/ + rubrics/), synthetic',
      languageDetection: language === null ? 'on (no language in the data, as in the official set)' : 'off (--with-language)',
    },
    scenarios: results,
    helpMs: help,
    reportGenerationMs: reportGen,
    graderMode,
    targets,
  };
  process.stdout.write(`\n${table(results)}\n\n`);
  process.stdout.write(
    `healthbench --help: median ${help.medianMs} ms of 5; report generation at ${reportGen.samples} samples: ${reportGen.firstMs} ms cold, ${reportGen.medianOf3Ms} ms median of 3\n`,
  );
  for (const [k, v] of Object.entries(targets))
    if (v) process.stdout.write(`target ${k}: ${v.met ? 'met' : 'MISSED'} ${JSON.stringify(v)}\n`);
  await writeResults(opts, output);
  return results.every((r) => r.exitCode === 0) ? 0 : 1;
}

async function main(): Promise<number> {
  const opts = benchOptions(parseArgs({ options: FLAGS, strict: true }).values);
  if (typeof opts === 'number') return opts;
  const work = await mkdtemp(join(tmpdir(), 'hb-bench-'));
  try {
    return await runBench(opts, work);
  } finally {
    if (opts.flags.keep) log(`bench: kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
