import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { didYouMean } from '../../core/suggest.js';
import { fetchToCache, sha256File } from '../../data/download.js';
import {
  applyLabels,
  buildMedcalcMessages,
  findMedcalcDataset,
  loadCorrectedLabels,
  loadExemplars,
  loadMedcalcCsv,
  MEDCALC_DATASETS,
  MEDCALC_NA_LABEL_POLICY,
  MEDCALC_PROMPT_VERSION,
  medcalcSourceUrl,
  type MedcalcExemplar,
  type MedcalcFile,
  type MedcalcMode,
  type MedcalcPromptStyle,
  type MedcalcRow,
} from '../../medcalc/index.js';
import type { MedcalcDetail } from '../../core/records.js';
import type { DatasetInfo, MedcalcLabelsInfo, MedcalcReport } from '../../core/report.js';
import { selectExampleIndices } from '../../scoring/index.js';
import type { PrepareContext, TaskPlan } from '../../core/plan.js';
import { medcalcEvaluator } from './evaluator.js';
import { medcalcReport } from './report.js';

/** MedCalc-Bench's own `prepare` options. */
export interface MedcalcOptions {
  promptStyle: MedcalcPromptStyle;
  compat: MedcalcMode;
  labelsPath: string | null;
  exemplarsPath: string | null;
}

export type MedcalcPrepare = PrepareContext & MedcalcOptions;

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
export async function prepareMedcalc(
  datasetSpec: string,
  ctx: MedcalcPrepare,
): Promise<TaskPlan<MedcalcRow, MedcalcDetail, MedcalcReport>> {
  const named = findMedcalcDataset(datasetSpec);
  let path: string;
  let version: string;
  let officialSha256: DatasetInfo['officialSha256'];
  if (named) {
    path = await fetchMedcalcFile(
      named.test,
      `medcalc-${named.version}-test.csv`,
      ctx.env,
      `MedCalc-Bench ${named.version}`,
      '--dataset FILE.csv',
    );
    version = named.version;
    officialSha256 = named.test.sha256 ? 'match' : 'unknown';
  } else {
    path = resolve(ctx.cwd, datasetSpec);
    if (!(await stat(path).catch(() => null))?.isFile()) {
      const names = MEDCALC_DATASETS.map((d) => d.name);
      throw new UsageError(
        `${datasetSpec}: no such file${didYouMean(datasetSpec, names, (n) => `'${n}'`) || '.'} MedCalc-Bench datasets are ${names.join(', ')} or a CSV path`,
      );
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
  let labelsInfo: MedcalcLabelsInfo | null = null;
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
      : await fetchMedcalcFile(
          (named ?? MEDCALC_DATASETS[0])!.exemplars,
          `medcalc-${named?.version ?? 'v1.0'}-exemplars.json`,
          ctx.env,
          'the one-shot exemplar file',
          '--exemplars FILE',
        );
    exemplars = await loadExemplars(exemplarFile, shown(exemplarFile));
  }
  const selected = selectExampleIndices(rows.length, ctx.limit);
  if (exemplars) {
    const have = exemplars;
    const missing = [...new Set(selected.map((i) => (rows[i] as MedcalcRow).calculatorId).filter((id) => !have.has(id)))];
    if (missing.length > 0) {
      throw new UsageError(
        `one_shot prompts need an exemplar for every calculator; the exemplar file has none for calculator ${missing.sort((a, b) => a - b).join(', ')}`,
      );
    }
  }
  const n = selected.length;
  const idOf = (row: MedcalcRow): string => `row-${row.rowNumber}`;
  const rankOf = new Map(selected.map((index, r) => [idOf(rows[index] as MedcalcRow), r]));
  const notes = [
    `MedCalc-Bench ${version}; prompts: ${ctx.promptStyle} (${MEDCALC_PROMPT_VERSION}, our wording with the upstream structure); scoring: ${ctx.compat === 'v1.0' ? 'v1.0-compat (the published code, gestational-age defect included)' : 'current (corrected)'}.`,
  ];
  if (labelsInfo)
    notes.push(
      `Labels: physician-corrected (${labelsInfo.file}), ${labelsInfo.changed} rows changed, ${labelsInfo.naLabels} N/A labels scored as "must abstain".`,
    );
  const dataset = { name: named?.name ?? display, sha256, officialSha256, count: n, version };
  const evaluator = medcalcEvaluator(ctx.compat);
  return {
    task: 'medcalc',
    dataset,
    identity: { promptStyle: ctx.promptStyle, compat: ctx.compat, labels: labelsInfo ? labelsInfo.sha256 : null, version },
    total: n * ctx.repeats,
    selectedIds: selected.map((index) => idOf(rows[index] as MedcalcRow)),
    async *items() {
      for (const [rank, index] of selected.entries()) {
        const row = rows[index] as MedcalcRow;
        const messages = buildMedcalcMessages(row, ctx.promptStyle, exemplars?.get(row.calculatorId));
        for (let repeat = 0; repeat < ctx.repeats; repeat += 1) {
          yield {
            exampleId: idOf(row),
            rank,
            repeat,
            language: 'en',
            exampleTags: [`category:${row.category}`],
            messages,
            fixedResponse: null,
            payload: row,
          };
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
