import type { SampleRecord } from '../../core/types.js';
import { buildMetaReport, renderMetaMarkdown, type MetaRow } from '../../meta/index.js';
import type { DatasetInfo } from '../../report/types.js';
import type { PlanReport, PlanReportContext } from '../../core/plan.js';

function rowFromDetail(s: SampleRecord): MetaRow {
  const d = s.detail ?? {};
  return {
    promptId: '',
    completionId: '',
    prompt: [],
    completion: '',
    rubric: '',
    category: typeof d['category'] === 'string' ? d['category'] : '',
    binaryLabels: (d['binaryLabels'] as boolean[] | undefined) ?? [],
    physicianIds: (d['physicianIds'] as string[] | undefined) ?? [],
  };
}

/** Builds the meta-eval report object shared by grader runs and the physicians-only mode. */
export function metaReportJson(
  meta: ReturnType<typeof buildMetaReport>,
  head: Record<string, unknown>,
): { json: Record<string, unknown>; markdown: string; summary: string[] } {
  const themes = meta.themes.map((t) => `  ${t.theme.padEnd(22)} grader ${t.modelF1?.toFixed(3) ?? '  -  '}  physicians ${t.physicianWeightedAvg?.toFixed(3) ?? '-'}  percentile ${t.percentile?.toFixed(0) ?? '-'}`);
  return {
    json: { ...head, meta },
    markdown: renderMetaMarkdown(meta),
    summary: [
      meta.score === null ? 'physicians-only: no grader' : `grader macro F1 (pairwise_model_f1_balanced) ${meta.score.toFixed(4)}  rows ${meta.graded}/${meta.rows}  errors ${meta.graderErrors ?? 0}`,
      ...themes,
    ],
  };
}

/** report.json / report.md of a meta-evaluation run (also used by `merge` and `verify`). */
export function metaReport(samples: readonly SampleRecord[], rc: PlanReportContext, dataset: DatasetInfo): PlanReport {
  const metaRows = samples.map(rowFromDetail);
  const verdicts = samples.map((s) => (s.error === null ? Boolean(s.detail?.['verdict']) : null));
  const meta = buildMetaReport({ rows: metaRows, modelVerdicts: verdicts, seed: rc.seed });
  const errors = samples.filter((s) => s.error).map((s) => ({ exampleId: s.exampleId, stage: s.error?.stage, message: s.error?.message }));
  return metaReportJson(meta, {
    formatVersion: 1,
    runId: rc.runId,
    createdAt: rc.createdAt,
    task: 'meta',
    tool: { name: 'healthbench', version: rc.toolVersion },
    dataset,
    grader: rc.grader,
    seed: rc.seed,
    testDouble: rc.testDouble,
    errors,
  });
}
