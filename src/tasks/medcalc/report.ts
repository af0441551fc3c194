import { addUsage, emptyUsage, type GroupSummary, type SampleRecord } from '../../core/types.js';
import type { PlanReport, PlanReportContext } from '../../core/plan.js';
import { aggregateMedcalc, toUpstreamResults, type MedcalcAccuracy } from '../../medcalc/index.js';
import type { MedcalcDetail } from '../../core/records.js';
import type { DatasetInfo, MedcalcLabelsInfo, MedcalcReport, WorstCalculator } from '../../core/report.js';

type GradedSample = SampleRecord<MedcalcDetail> & { detail: MedcalcDetail };

function toGroup(a: MedcalcAccuracy): GroupSummary {
  return { score: a.accuracy, bootstrapStd: a.stderr, ci95: a.ci95, n: a.n };
}

/** report.json, report.md and the summary of a MedCalc-Bench run (also used by `merge` and `verify`). */
export function medcalcReport(
  samples: ReadonlyArray<SampleRecord<MedcalcDetail>>,
  rc: PlanReportContext,
  extra: { dataset: DatasetInfo; notes: string[]; labelsInfo: MedcalcLabelsInfo | null; promptStyle: string; compat: string },
): PlanReport<MedcalcReport> {
  const graded = samples.filter((s): s is GradedSample => s.error === null && Boolean(s.detail));
  const outcomes = graded.map((s) => {
    const d = s.detail;
    return {
      row: {
        calculatorId: Number(d.calculatorId),
        calculatorName: String(d.calculatorName),
        category: String(d.category),
        // Repeats are independent samples of the same row, not duplicates.
        noteId: `${String(d.noteId)}#${s.repeat}`,
      },
      correct: d.correct === true,
    };
  });
  const agg = aggregateMedcalc(outcomes);
  const errors = samples
    .filter((s) => s.error !== null)
    .map((s) => ({ exampleId: s.exampleId, repeat: s.repeat, stage: s.error?.stage ?? 'unknown', message: s.error?.message ?? '' }));
  const byCategory = Object.fromEntries(Object.entries(agg.byCategory).map(([k, v]) => [k, toGroup(v)]));
  const byCalculator = Object.fromEntries(Object.entries(agg.byCalculator).map(([k, v]) => [`${k} ${v.name}`, toGroup(v)]));
  const metrics: Record<string, number> = {};
  const put = (key: string, a: MedcalcAccuracy): void => {
    metrics[key] = a.accuracy;
    metrics[`${key}:n_samples`] = a.n;
    metrics[`${key}:stderr`] = a.stderr;
  };
  put('accuracy', agg.overall);
  for (const [k, v] of Object.entries(agg.byCategory)) put(`category:${k}`, v);
  for (const [k, v] of Object.entries(agg.byCalculator)) put(`calculator:${k}`, v);
  const wrongByCalc = new Map<string, WorstCalculator['wrong']>();
  for (const s of graded) {
    const d = s.detail;
    if (d.correct === true) continue;
    const key = String(d.calculatorId);
    const list = wrongByCalc.get(key) ?? [];
    if (list.length < 3)
      list.push({
        rowNumber: d.rowNumber,
        extracted: d.extracted,
        groundTruth: d.groundTruth,
        lowerLimit: d.lowerLimit,
        upperLimit: d.upperLimit,
      });
    wrongByCalc.set(key, list);
  }
  const worst: WorstCalculator[] = Object.entries(agg.byCalculator)
    .sort((a, b) => a[1].accuracy - b[1].accuracy || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([id, a]) => ({ calculatorId: Number(id), name: a.name, accuracy: a.accuracy, n: a.n, wrong: wrongByCalc.get(id) ?? [] }));
  const usage = { candidate: samples.reduce((u, s) => addUsage(u, s.usage.candidate), emptyUsage()) };
  const report: MedcalcReport = {
    formatVersion: 1,
    runId: rc.runId,
    createdAt: rc.createdAt,
    task: 'medcalc',
    tool: { name: 'healthbench', version: rc.toolVersion },
    dataset: extra.dataset,
    model: rc.model,
    grader: null,
    seed: rc.seed,
    repeats: rc.repeats,
    testDouble: rc.testDouble,
    notes: extra.notes,
    overall: { ...toGroup(agg.overall), errors: errors.length },
    byTheme: {},
    byAxis: {},
    byLanguage: { en: toGroup(agg.overall) },
    byGroup: { category: byCategory, calculator: byCalculator },
    metrics,
    usage,
    errors,
    lowest: [],
    medcalc: {
      promptStyle: extra.promptStyle,
      compat: extra.compat,
      labels: extra.labelsInfo,
      upstreamResults: toUpstreamResults(agg),
      worstCalculators: worst,
    },
  };
  return { json: report, markdown: renderMedcalcMarkdown(report, worst), summary: medcalcSummary(report) };
}

/** A detail value as text: strings as they are, numbers and booleans as `String` prints them, objects as JSON. */
function plainText(t: unknown): string {
  if (typeof t === 'string') return t;
  if (typeof t === 'number' || typeof t === 'boolean') return String(t);
  return t === null || t === undefined ? '' : (JSON.stringify(t) ?? '');
}
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const cell = (t: unknown): string => plainText(t).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function table(title: string, label: string, groups: Record<string, GroupSummary>): string {
  const rows = Object.entries(groups).map(
    ([k, g]) => `| ${cell(k)} | ${pct(g.score)} | ±${pct(g.bootstrapStd)} | [${pct(g.ci95[0])}, ${pct(g.ci95[1])}] | ${g.n} |`,
  );
  return `## ${title}\n\n| ${label} | accuracy | std. error | 95% CI (Wilson) | n |\n|---|---:|---:|---|---:|\n${rows.join('\n')}\n\n`;
}

function renderMedcalcMarkdown(report: MedcalcReport, worst: readonly WorstCalculator[]): string {
  const o = report.overall;
  let md = `# MedCalc-Bench report: ${cell(report.model?.spec)}\n\n`;
  if (report.testDouble) md += '> **Test double.** These figures come from the bundled fake provider, not from a real model.\n\n';
  md += `**Accuracy: ${pct(o.score)}** (std. error ${pct(o.bootstrapStd)}, 95% CI [${pct(o.ci95[0])}, ${pct(o.ci95[1])}], n = ${o.n}${o.errors ? `, **${o.errors} errors excluded**` : ''})\n\n`;
  md += `Dataset: ${cell(report.dataset.name)} ${report.dataset.version ?? ''} (sha256 ${report.dataset.sha256.slice(0, 12)}…, official: ${report.dataset.officialSha256}); seed ${report.seed}; healthbench ${report.tool.version}.\n\n`;
  for (const note of report.notes) md += `> ${cell(note)}\n\n`;
  md += table('By category', 'category', report.byGroup['category'] ?? {});
  md += table('By calculator', 'calculator', report.byGroup['calculator'] ?? {});
  md += '## Worst calculators\n\n';
  for (const w of worst) {
    md += `### ${w.calculatorId} ${cell(w.name)}: ${pct(w.accuracy)} of ${w.n}\n\n`;
    md +=
      w.wrong.length === 0
        ? 'No wrong answers.\n\n'
        : `${w.wrong.map((x) => `- row ${cell(x.rowNumber)}: answered \`${cell(x.extracted ?? 'no answer')}\`, expected ${cell(x.groundTruth)} [${cell(x.lowerLimit)}, ${cell(x.upperLimit)}]`).join('\n')}\n\n`;
  }
  md += `## Errors\n\n${report.errors.length === 0 ? 'None.' : report.errors.map((e) => `- ${cell(e.exampleId)} (${e.stage}): ${cell(e.message).slice(0, 200)}`).join('\n')}\n`;
  return md;
}

function medcalcSummary(report: MedcalcReport): string[] {
  const o = report.overall;
  return [
    o.n === 0
      ? `accuracy: no scored samples (n=0, errors=${o.errors}); there is no accuracy to report`
      : `accuracy ${pct(o.score)}  95% CI [${pct(o.ci95[0])}, ${pct(o.ci95[1])}]  n=${o.n}  errors=${o.errors}`,
    ...Object.entries(report.byGroup['category'] ?? {}).map(([k, g]) => `  category ${k.padEnd(10)} ${pct(g.score)}  n=${g.n}`),
  ];
}
