import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { addUsage, emptyUsage, type SampleRecord } from '../../core/types.js';
import { fetchToCache, sha256File } from '../../data/download.js';
import {
  aggregateMedcalc,
  applyLabels,
  buildMedcalcMessages,
  findMedcalcDataset,
  gradeMedcalc,
  loadCorrectedLabels,
  loadExemplars,
  loadMedcalcCsv,
  MEDCALC_DATASETS,
  MEDCALC_NA_LABEL_POLICY,
  MEDCALC_PROMPT_VERSION,
  medcalcSampleMetrics,
  medcalcSourceUrl,
  toUpstreamResults,
  type MedcalcAccuracy,
  type MedcalcExemplar,
  type MedcalcFile,
  type MedcalcMode,
  type MedcalcPromptStyle,
  type MedcalcRow,
} from '../../medcalc/index.js';
import type { GroupSummary } from '../../core/types.js';
import type { Report } from '../../report/types.js';
import { selectExampleIndices } from '../../scoring/index.js';
import type { TaskEvaluator, WorkItem } from '../task.js';
import type { PlanReport, PlanReportContext, PrepareContext, TaskPlan } from './plan.js';

export interface MedcalcPrepare extends PrepareContext {
  promptStyle: MedcalcPromptStyle;
  compat: MedcalcMode;
  labelsPath: string | null;
  exemplarsPath: string | null;
}

/** Downloads one of the versions' files from its first directly addressable source. */
async function fetchMedcalcFile(
  file: MedcalcFile,
  fileName: string,
  env: Record<string, string | undefined>,
  what: string,
  localFlag: string,
): Promise<string> {
  const source = file.sources.find((s) => s.host === 'github' && s.path !== '');
  if (!source) {
    throw new UsageError(`${what} has no directly downloadable file; download it yourself and pass it with ${localFlag}`);
  }
  const base = env['HEALTHBENCH_MEDCALC_BASE_URL'];
  const url = base ? `${base}${fileName}` : medcalcSourceUrl(source);
  return (await fetchToCache({ url, fileName, expectedSha256: file.sha256, env, localFlag })).path;
}

/** MedCalc-Bench: one candidate call per row, deterministic extraction and correctness, no grader. */
export async function prepareMedcalc(datasetSpec: string, ctx: MedcalcPrepare): Promise<TaskPlan> {
  const named = findMedcalcDataset(datasetSpec);
  let path: string;
  let version: string;
  let officialSha256: Report['dataset']['officialSha256'];
  if (named) {
    path = await fetchMedcalcFile(named.test, `medcalc-${named.version}-test.csv`, ctx.env, `MedCalc-Bench ${named.version}`, '--dataset FILE.csv');
    version = named.version;
    officialSha256 = named.test.sha256 ? 'match' : 'unknown';
  } else {
    path = resolve(ctx.cwd, datasetSpec);
    if (!(await stat(path).catch(() => null))?.isFile()) {
      const names = MEDCALC_DATASETS.map((d) => d.name);
      throw new UsageError(`${datasetSpec}: no such file${didYouMean(datasetSpec, names, (n) => `'${n}'`) || '.'} MedCalc-Bench datasets are ${names.join(', ')} or a CSV path`);
    }
    const sha = await sha256File(path);
    const known = MEDCALC_DATASETS.find((d) => d.test.sha256 === sha);
    version = known?.version ?? 'unknown (local file)';
    officialSha256 = known ? 'match' : 'unknown';
  }
  const shown = (p: string): string => relative(ctx.cwd, p) || p;
  const display = shown(path);
  let rows = await loadMedcalcCsv(path, display);
  const sha256 = await sha256File(path);
  let labelsInfo: Record<string, unknown> | null = null;
  if (ctx.labelsPath) {
    const labelsFile = resolve(ctx.cwd, ctx.labelsPath);
    const applied = applyLabels(rows, await loadCorrectedLabels(labelsFile, shown(labelsFile)));
    rows = applied.rows;
    labelsInfo = {
      file: ctx.labelsPath,
      sha256: await sha256File(labelsFile),
      changed: applied.changed,
      naLabels: applied.naLabels,
      unlabelledDropped: applied.unlabelled,
      naPolicy: MEDCALC_NA_LABEL_POLICY,
    };
  }
  let exemplars: Map<number, MedcalcExemplar> | null = null;
  if (ctx.promptStyle === 'one_shot') {
    const exemplarFile = ctx.exemplarsPath
      ? resolve(ctx.cwd, ctx.exemplarsPath)
      : await fetchMedcalcFile((named ?? MEDCALC_DATASETS[0])!.exemplars, `medcalc-${named?.version ?? 'v1.0'}-exemplars.json`, ctx.env, 'the one-shot exemplar file', '--exemplars FILE');
    exemplars = await loadExemplars(exemplarFile, shown(exemplarFile));
  }
  const selected = selectExampleIndices(rows.length, ctx.limit);
  if (exemplars) {
    const have = exemplars;
    const missing = [...new Set(selected.map((i) => (rows[i] as MedcalcRow).calculatorId).filter((id) => !have.has(id)))];
    if (missing.length > 0) {
      throw new UsageError(`one_shot prompts need an exemplar for every calculator; the exemplar file has none for calculator ${missing.sort((a, b) => a - b).join(', ')}`);
    }
  }
  const n = selected.length;
  const idOf = (row: MedcalcRow): string => `row-${row.rowNumber}`;
  const rankOf = new Map(selected.map((index, r) => [idOf(rows[index] as MedcalcRow), r]));
  const notes = [
    `MedCalc-Bench ${version}; prompts: ${ctx.promptStyle} (${MEDCALC_PROMPT_VERSION}, our wording with the upstream structure); scoring: ${ctx.compat === 'v1.0' ? 'v1.0-compat (the published code, gestational-age defect included)' : 'current (corrected)'}.`,
  ];
  if (labelsInfo) notes.push(`Labels: physician-corrected (${String(labelsInfo['file'])}), ${String(labelsInfo['changed'])} rows changed, ${String(labelsInfo['naLabels'])} N/A labels scored as "must abstain".`);
  const dataset = { name: named?.name ?? display, sha256, officialSha256, count: n, version };
  const evaluator: TaskEvaluator = {
    task: 'medcalc',
    graderCalls: () => [],
    finish(item: WorkItem, response: string) {
      const row = item.payload as MedcalcRow;
      const grade = gradeMedcalc(response, row, ctx.compat);
      return {
        criteria: [],
        score: grade.correct ? 1 : 0,
        metrics: medcalcSampleMetrics(row, grade.correct),
        detail: {
          rowNumber: row.rowNumber,
          calculatorId: row.calculatorId,
          calculatorName: row.calculatorName,
          category: row.category,
          noteId: row.noteId,
          extracted: grade.extracted,
          explanation: grade.explanation,
          groundTruth: row.groundTruth,
          lowerLimit: row.lowerLimit,
          upperLimit: row.upperLimit,
          correct: grade.correct,
          extractionError: grade.error,
        },
        error: null,
      };
    },
  };
  return {
    task: 'medcalc',
    dataset,
    identity: { promptStyle: ctx.promptStyle, compat: ctx.compat, labels: labelsInfo ? labelsInfo['sha256'] : null, version },
    total: n * ctx.repeats,
    selectedIds: selected.map((index) => idOf(rows[index] as MedcalcRow)),
    async *items() {
      for (const [rank, index] of selected.entries()) {
        const row = rows[index] as MedcalcRow;
        const messages = buildMedcalcMessages(row, ctx.promptStyle, exemplars?.get(row.calculatorId));
        for (let repeat = 0; repeat < ctx.repeats; repeat += 1) {
          yield { exampleId: idOf(row), rank, repeat, language: 'en', exampleTags: [`category:${row.category}`], messages, fixedResponse: null, payload: row };
        }
      }
    },
    evaluator,
    needsCandidate: true,
    needsGrader: false,
    position: (s) => s.repeat * n + (rankOf.get(s.exampleId) ?? 0),
    notes,
    report: (samples, rc) => medcalcReport(samples, rc, { dataset, notes, labelsInfo, promptStyle: ctx.promptStyle, compat: ctx.compat }),
  };
}

function toGroup(a: MedcalcAccuracy): GroupSummary {
  return { score: a.accuracy, bootstrapStd: a.stderr, ci95: a.ci95, n: a.n };
}

/** report.json, report.md and the summary of a MedCalc-Bench run (also used by `merge` and `verify`). */
export function medcalcReport(
  samples: readonly SampleRecord[],
  rc: PlanReportContext,
  extra: { dataset: Report['dataset']; notes: string[]; labelsInfo: Record<string, unknown> | null; promptStyle: string; compat: string },
): PlanReport {
  const graded = samples.filter((s) => s.error === null && s.detail);
  const outcomes = graded.map((s) => {
    const d = s.detail as Record<string, unknown>;
    return {
      row: {
        calculatorId: Number(d['calculatorId']),
        calculatorName: String(d['calculatorName']),
        category: String(d['category']),
        // Repeats are independent samples of the same row, not duplicates.
        noteId: `${String(d['noteId'])}#${s.repeat}`,
      },
      correct: d['correct'] === true,
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
  const wrongByCalc = new Map<string, Array<Record<string, unknown>>>();
  for (const s of graded) {
    const d = s.detail as Record<string, unknown>;
    if (d['correct'] === true) continue;
    const key = String(d['calculatorId']);
    const list = wrongByCalc.get(key) ?? [];
    if (list.length < 3) list.push({ rowNumber: d['rowNumber'], extracted: d['extracted'], groundTruth: d['groundTruth'], lowerLimit: d['lowerLimit'], upperLimit: d['upperLimit'] });
    wrongByCalc.set(key, list);
  }
  const worst = Object.entries(agg.byCalculator)
    .sort((a, b) => a[1].accuracy - b[1].accuracy || a[0].localeCompare(b[0]))
    .slice(0, 10)
    .map(([id, a]) => ({ calculatorId: Number(id), name: a.name, accuracy: a.accuracy, n: a.n, wrong: wrongByCalc.get(id) ?? [] }));
  const usage = { candidate: samples.reduce((u, s) => addUsage(u, s.usage.candidate), emptyUsage()) };
  const report: Report = {
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
  return { json: report as unknown as Record<string, unknown>, markdown: renderMedcalcMarkdown(report, worst), summary: medcalcSummary(report) };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const cell = (t: unknown): string => String(t ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function table(title: string, label: string, groups: Record<string, GroupSummary>): string {
  const rows = Object.entries(groups).map(([k, g]) => `| ${cell(k)} | ${pct(g.score)} | ±${pct(g.bootstrapStd)} | [${pct(g.ci95[0])}, ${pct(g.ci95[1])}] | ${g.n} |`);
  return `## ${title}\n\n| ${label} | accuracy | std. error | 95% CI (Wilson) | n |\n|---|---:|---:|---|---:|\n${rows.join('\n')}\n\n`;
}

function renderMedcalcMarkdown(report: Report, worst: Array<{ calculatorId: number; name: string; accuracy: number; n: number; wrong: Array<Record<string, unknown>> }>): string {
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
    md += w.wrong.length === 0 ? 'No wrong answers.\n\n' : `${w.wrong.map((x) => `- row ${cell(x['rowNumber'])}: answered \`${cell(x['extracted'] ?? 'no answer')}\`, expected ${cell(x['groundTruth'])} [${cell(x['lowerLimit'])}, ${cell(x['upperLimit'])}]`).join('\n')}\n\n`;
  }
  md += `## Errors\n\n${report.errors.length === 0 ? 'None.' : report.errors.map((e) => `- ${cell(e.exampleId)} (${e.stage}): ${cell(e.message).slice(0, 200)}`).join('\n')}\n`;
  return md;
}

function medcalcSummary(report: Report): string[] {
  const o = report.overall;
  return [
    o.n === 0
      ? `accuracy: no scored samples (n=0, errors=${o.errors}); there is no accuracy to report`
      : `accuracy ${pct(o.score)}  95% CI [${pct(o.ci95[0])}, ${pct(o.ci95[1])}]  n=${o.n}  errors=${o.errors}`,
    ...Object.entries(report.byGroup['category'] ?? {}).map(([k, g]) => `  category ${k.padEnd(10)} ${pct(g.score)}  n=${g.n}`),
  ];
}
