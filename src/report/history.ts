/**
 * Run history: finished runs grouped into series (same dataset, candidate, grader and grader template), oldest
 * first, and their rendering as text tables. Pure: the runs are read by the caller.
 */
import type { GroupSummary } from '../core/types.js';
import type { Report } from './types.js';

/** One finished run as the history shows it. */
export interface HistoryRun {
  /** Run directory, as found. */
  dir: string;
  runId: string;
  /** When the run's report was written (ISO 8601). */
  date: string;
  task: Report['task'];
  overall: GroupSummary & { errors: number };
  /** Per theme (HealthBench) or per category (MedCalc-Bench). */
  groups: Record<string, GroupSummary>;
  /** Estimated cost in USD; null when unknown (test double, unpriced model). */
  cost: number | null;
  testDouble: boolean;
  /** `--label` pairs recorded in run.json. */
  labels: Record<string, string>;
}

/** What a series is keyed by. */
export interface SeriesIdentity {
  task: Report['task'];
  dataset: string;
  datasetSha256: string;
  candidate: string;
  grader: string;
  templateSha256: string;
}

/** Runs of one identity, oldest first. */
export interface HistorySeries {
  key: string;
  identity: SeriesIdentity;
  runs: HistoryRun[];
}

/** The identity of a report's series. Baseline runs (physician / reference completions) have no candidate model. */
export function seriesIdentity(report: Report): SeriesIdentity {
  return {
    task: report.task,
    dataset: report.dataset.name,
    datasetSha256: report.dataset.sha256,
    candidate: report.model?.spec ?? '(no candidate)',
    grader: report.grader?.spec ?? '(no grader)',
    templateSha256: report.grader?.templateSha256 ?? '-',
  };
}

export function seriesKey(id: SeriesIdentity): string {
  return `${id.task} | ${id.dataset}@${id.datasetSha256.slice(0, 12)} | ${id.candidate} | grader ${id.grader} | template ${id.templateSha256.slice(0, 12)}`;
}

/** The summary row of a report. */
export function historyRun(dir: string, report: Report, labels: Record<string, string>): HistoryRun {
  const cost = (report as unknown as { cost?: { total?: unknown } }).cost?.total;
  const groups = Object.keys(report.byTheme).length > 0 ? report.byTheme : (report.byGroup['category'] ?? {});
  return {
    dir,
    runId: report.runId,
    date: report.createdAt,
    task: report.task,
    overall: report.overall,
    groups,
    cost: typeof cost === 'number' ? cost : null,
    testDouble: report.testDouble,
    labels,
  };
}

/** Groups runs into series, each oldest first (by date, then run id); series sorted by key. */
export function groupHistory(entries: ReadonlyArray<{ identity: SeriesIdentity; run: HistoryRun }>): HistorySeries[] {
  const byKey = new Map<string, HistorySeries>();
  for (const { identity, run } of entries) {
    const key = seriesKey(identity);
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { key, identity, runs: [] }));
    s.runs.push(run);
  }
  const series = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const s of series)
    s.runs.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  return series;
}

const f3 = (x: number): string => x.toFixed(3);
const withCi = (g: GroupSummary): string => `${f3(g.score)} [${f3(g.ci95[0])}, ${f3(g.ci95[1])}]`;

/** One line of text for a table cell: no pipes or line breaks from the data. */
function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

/** A Markdown table per series: date, run id, overall with CI, each theme/category with CI, n, errors, cost. */
export function renderHistoryTable(series: readonly HistorySeries[]): string {
  const out: string[] = [];
  for (const s of series) {
    const groupNames = [...new Set(s.runs.flatMap((r) => Object.keys(r.groups)))].sort();
    const id = s.identity;
    out.push(
      `## ${cell(id.candidate)} on ${cell(id.dataset)} (${id.task})`,
      '',
      `dataset sha256 ${id.datasetSha256.slice(0, 12)}…, grader ${cell(id.grader)}, template sha256 ${id.templateSha256.slice(0, 12)}…; ${s.runs.length} run(s), oldest first; scores with 95% CI.`,
      '',
      `| date | run | overall | ${groupNames.map(cell).join(' | ')}${groupNames.length ? ' | ' : ''}n | errors | cost |`,
      `|---|---|---|${groupNames.map(() => '---|').join('')}---:|---:|---:|`,
    );
    for (const r of s.runs) {
      const groups = groupNames.map((g) => (r.groups[g] ? withCi(r.groups[g]) : '–'));
      const cost = r.cost === null ? (r.testDouble ? 'test double' : 'unknown') : `$${r.cost.toFixed(2)}`;
      out.push(
        `| ${r.date.slice(0, 16).replace('T', ' ')} | ${cell(r.runId)} | ${withCi(r.overall)} | ${groups.join(' | ')}${groups.length ? ' | ' : ''}${r.overall.n} | ${r.overall.errors} | ${cost} |`,
      );
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
