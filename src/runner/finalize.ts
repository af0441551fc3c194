import type { BootstrapCache } from '../scoring/aggregate.js';
import { CancelledError } from '../core/errors.js';
import { inReferenceOrder, type PlanReport, type PlanReportContext } from '../core/plan.js';
import type { SampleRecord } from '../core/types.js';
import { diffRuns, renderDiffMarkdown } from '../compare/index.js';
import { evaluateGate, renderGateText, type GateResult } from '../gate/index.js';
import { pacingEntry, type PacingEntry } from '../providers/pace-report.js';
import { addFinishReasons } from '../report/finish-reasons.js';
import { toPageSample, type EncodedSamples, type PageSample } from '../report/html/index.js';
import { BATCH_PRICE_FACTOR } from '../report/prices.js';
import type { Report } from '../report/types.js';
import { writeManifest } from '../store/manifest.js';
import { iterateSamples } from '../store/read-run.js';
import { sampleKey } from '../store/run-store.js';
import { TOOL_VERSION } from '../version.js';
import { runCost } from './cost.js';
import type { RunRecord } from '../core/records.js';
import type { EvalDeps, EvalResult } from './eval.js';
import type { PreparedRun } from './prepare.js';
import { writeDiffHtml, writeRunReportHtml } from './report-html.js';
import { reportRecord, type ReportAhead } from './report-ahead.js';
import { recordStop, type OpenedRun } from './run-dir.js';
import type { CallsDone } from './run-calls.js';

/**
 * The latest record of every sample, read from samples.jsonl in one pass, for the report and the page: for a run whose
 * records were not all kept as they were appended (a resumed run).
 */
async function latestSamples(samplesPath: string): Promise<{ records: Map<string, SampleRecord>; page: PageSample[] }> {
  const records = new Map<string, SampleRecord>();
  const page = new Map<string, PageSample>();
  for await (const s of iterateSamples(samplesPath)) {
    const key = sampleKey(s.exampleId, s.repeat);
    page.set(key, toPageSample(s));
    records.set(key, reportRecord(s));
  }
  return { records, page: [...page.values()] };
}

/** The records for the report and the page: what the run kept as it went, or else read from samples.jsonl. */
async function finishedSamples(
  o: OpenedRun,
  ahead: ReportAhead,
): Promise<{ records: Map<string, SampleRecord>; page: PageSample[] | EncodedSamples }> {
  const kept = await ahead.kept();
  if (kept.records && kept.page) return { records: kept.records, page: kept.page };
  return latestSamples(o.store.samplesPath);
}

/** What the report phase works with besides the run: the caller's dependencies, the clock, what the run kept. */
export interface FinalizeContext {
  deps: EvalDeps;
  now: () => Date;
  ahead: ReportAhead;
}

/** What the report states about the run: who was evaluated, by which grader, with which settings. */
function reportContext(p: PreparedRun, o: OpenedRun, finished: Date): PlanReportContext {
  const { config, opts, template } = p;
  const firstGrader = config.graders[0];
  return {
    runId: o.run.runId,
    createdAt: finished.toISOString(),
    toolVersion: TOOL_VERSION,
    model: config.model ? { spec: config.model.spec, params: { ...config.model.params } } : null,
    grader: firstGrader
      ? {
          spec: config.graders.map((g) => g.spec).join(', '),
          params: { ...firstGrader.params },
          templateSha256: template.sha256,
          officialTemplate: template.official,
          mode: opts.graderMode,
        }
      : null,
    seed: opts.seed,
    repeats: opts.repeats,
    testDouble: p.testDouble,
  };
}

/**
 * A report that bootstraps (HealthBench: every metric and language, about 1,000 draws per value) gets them computed
 * here on two threads, in the thread started during the run when there is one; it reads them instead of drawing them
 * again (same stream and values, same figures).
 */
async function bootstrapsAhead(p: PreparedRun, ordered: readonly SampleRecord[], ahead: ReportAhead): Promise<BootstrapCache | null> {
  const wanted = p.plan.bootstraps?.(ordered);
  if (!wanted) return null;
  const { precomputeBootstraps } = await import('./bootstrap-pool.js');
  const cache = await precomputeBootstraps(wanted.series, p.opts.seed, wanted.clip, await ahead.bootstrapPool());
  // The thread has done its part: it winds down on its own core while the report is written, not at the exit.
  void ahead.close();
  return cache;
}

type BatchUsage = Awaited<ReturnType<typeof import('./batch/batch-mode.js').batchUsage>>;

/** What the batch services answered, from the run's batch journal (read once for the batch section and the cost). */
async function batchUsageOf(runDir: string): Promise<BatchUsage> {
  const { batchUsage } = await import('./batch/batch-mode.js');
  return batchUsage(runDir);
}

/** The batch services' share of the run, in report.json, report.md and the summary. */
function addBatchSection(built: PlanReport, b: BatchUsage, liveCalls: number): void {
  built.json['batch'] = {
    batches: b.batches,
    requestsThroughBatches: b.requests,
    liveCallsThisProcess: liveCalls,
    pricing: `batch (${BATCH_PRICE_FACTOR * 100}% of list) for requests answered through the batch services`,
  };
  built.markdown += `\n## Batch mode\n\nRequests went through the providers' batch services: ${b.requests} answered in ${b.batches} batches, ${liveCalls} sent live (re-grades and fallbacks). Batch pricing (${BATCH_PRICE_FACTOR * 100}% of list) applies to the batched requests.\n`;
  built.summary.push(`batch mode: ${b.requests} requests in ${b.batches} batches, ${liveCalls} live; batch pricing applied`);
}

/** The estimated cost of the recorded usage (never for the test double, whose tokens cost nothing). */
function addCost(built: PlanReport, p: PreparedRun, batched: BatchUsage | null): void {
  const usage = built.json['usage'];
  if (!usage || p.testDouble) return;
  const cost = runCost(p.config, usage, p.prices, batched);
  built.json['cost'] = cost;
  built.summary.push(`estimated cost: ${cost.total === null ? 'unknown (model without a known price)' : `$${cost.total.toFixed(2)}`}`);
}

/** `--baseline` and `--gate`: the diff against the baseline and the policy's verdict, in the report and their own files. */
async function addBaselineAndGate(
  built: PlanReport,
  p: PreparedRun,
  o: OpenedRun,
  latest: Map<string, SampleRecord>,
): Promise<GateResult | null> {
  const { policy, baseline, opts } = p;
  if (!policy && !baseline) return null;
  const report = built.json as unknown as Report;
  const head = { runId: o.run.runId, report, samples: [...latest.values()] };
  const diff = baseline ? diffRuns(baseline, head, { seed: opts.seed, allowGraderChange: opts.allowGraderChange }) : undefined;
  if (diff && baseline) {
    built.json['diff'] = diff;
    const diffMd = renderDiffMarkdown(diff);
    built.markdown += `\n## Compared with the baseline\n\n${diffMd.replace(/^# .*\n/, '')}`;
    await o.store.writeText('diff.json', `${JSON.stringify(diff, null, 2)}\n`);
    await o.store.writeText('diff.md', diffMd);
    await writeDiffHtml(o.runDir, diff, { baseDir: baseline.dir, headDir: o.runDir });
  }
  if (!policy) return null;
  const gate = evaluateGate(report, policy, diff);
  built.json['gate'] = gate;
  const text = renderGateText(gate);
  built.markdown += `\n## Release gate: ${gate.passed ? 'PASSED' : 'FAILED'}\n\n\`\`\`\n${text}\n\`\`\`\n`;
  built.summary.push(
    `gate: ${gate.passed ? 'PASSED' : 'FAILED'}`,
    ...text
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  await o.store.writeText('gate.json', `${JSON.stringify(gate, null, 2)}\n`);
  return gate;
}

/** The report files, each written atomically; pacing is a fact of this attempt, so it goes to report.md, never report.json. */
async function writeReports(
  o: OpenedRun,
  built: PlanReport,
  pacing: PacingEntry[],
  page: { samples: PageSample[] | EncodedSamples; graders: string[] },
): Promise<void> {
  built.markdown += `\n## Pacing\n\n${pacing.map((entry) => `- ${entry.summary}`).join('\n')}\n`;
  await o.store.writeText('report.json', `${JSON.stringify(built.json, null, 2)}\n`);
  await o.store.writeText('report.md', built.markdown);
  await writeRunReportHtml(o.runDir, built.json as unknown as Report, page);
}

/** Builds the report from the finished records and writes every report file, then marks the run completed. */
async function reportAndComplete(
  p: PreparedRun,
  o: OpenedRun,
  calls: CallsDone,
  { now, ahead }: FinalizeContext,
): Promise<{ built: PlanReport; gate: GateResult | null; done: RunRecord; finished: Date }> {
  const { records: latest, page } = await finishedSamples(o, ahead);
  const finished = now();
  const ordered = inReferenceOrder([...latest.values()], p.plan.position);
  const bootstrapCache = await bootstrapsAhead(p, ordered, ahead);
  const built = p.plan.report(ordered, { ...reportContext(p, o, finished), ...(bootstrapCache && { bootstrapCache }) });
  if (p.testDouble) built.summary.unshift('TEST DOUBLE: figures come from the bundled fake provider, not a real model.');
  addFinishReasons(built, latest.values());
  const batched = calls.batch ? await batchUsageOf(o.runDir) : null;
  if (calls.batch && batched) addBatchSection(built, batched, calls.batch.liveCalls());
  addCost(built, p, batched);
  const gate = await addBaselineAndGate(built, p, o, latest);
  const pacing = p.pool.pace().map(pacingEntry);
  await writeReports(o, built, pacing, { samples: page, graders: p.config.graders.map((g) => g.spec) });
  const stamp = finished.toISOString();
  const done: RunRecord = { ...o.run, status: 'completed', updatedAt: stamp, finishedAt: stamp, progress: calls.progress, pacing };
  await o.store.writeRunJson(done);
  return { built, gate, done, finished };
}

/**
 * The report phase: report.json, report.md, report.html (and the diff and gate files), run.json completed, and last
 * the manifest of every file the run left. A failure before run.json is completed (a full disk) is recorded there.
 */
export async function finalizeRun(p: PreparedRun, o: OpenedRun, calls: CallsDone, ctx: FinalizeContext): Promise<EvalResult> {
  const { deps, now } = ctx;
  deps.onPhase?.('report');
  let result;
  try {
    result = await reportAndComplete(p, o, calls, ctx);
  } catch (err) {
    recordStop(o.store, o.run, err, { now, progress: calls.progress, secrets: p.pool.secrets, log: p.log });
    throw err;
  }
  const { built, gate, done, finished } = result;
  // Last: the manifest covers every file the run left, whatever wrote it; the run files' digests were kept as lines were
  // appended (a resumed run's earlier bytes hashed in the background), so they are not read again.
  await writeManifest(o.runDir, finished, await o.store.settledDigests());
  // A Ctrl-C during the report phase let the files above be finished; now it is honoured.
  if (deps.signal?.aborted) throw new CancelledError(`cancelled while writing the reports; they were finished first (${o.runDir})`);
  return { runDir: o.runDir, run: done, report: built.json, markdown: built.markdown, summary: built.summary, gate };
}
