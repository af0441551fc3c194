import type { SampleRecord } from '../../core/types.js';
import { buildMetaReport, renderMetaMarkdown, type MetaRow } from '../../meta/index.js';
import type { MetaDetail } from '../../core/records.js';
import type { DatasetInfo, MetaRunReport } from '../../core/report.js';
import type { PlanReport, PlanReportContext } from '../../core/plan.js';

function rowFromDetail(s: SampleRecord<MetaDetail>): MetaRow {
  const d: Partial<MetaDetail> = s.detail ?? {};
  return {
    promptId: '',
    completionId: '',
    prompt: [],
    completion: '',
    rubric: '',
    category: typeof d.category === 'string' ? d.category : '',
    binaryLabels: d.binaryLabels ?? [],
    physicianIds: d.physicianIds ?? [],
  };
}

/** Builds the meta-eval report object shared by grader runs and the physicians-only mode. */
export function metaReportJson<Head extends object>(
  meta: ReturnType<typeof buildMetaReport>,
  head: Head,
): { json: Head & { meta: ReturnType<typeof buildMetaReport> }; markdown: string; summary: string[] } {
  const themes = meta.themes.map(
    (t) =>
      `  ${t.theme.padEnd(22)} grader ${t.modelF1?.toFixed(3) ?? '  -  '}  physicians ${t.physicianWeightedAvg?.toFixed(3) ?? '-'}  percentile ${t.percentile?.toFixed(0) ?? '-'}`,
  );
  return {
    json: { ...head, meta },
    markdown: renderMetaMarkdown(meta),
    summary: [
      meta.score === null
        ? 'physicians-only: no grader'
        : `grader macro F1 (pairwise_model_f1_balanced) ${meta.score.toFixed(4)}  rows ${meta.graded}/${meta.rows}  errors ${meta.graderErrors ?? 0}`,
      ...themes,
    ],
  };
}

/** report.json / report.md of a meta-evaluation run (also used by `merge` and `verify`). */
export function metaReport(
  samples: ReadonlyArray<SampleRecord<MetaDetail>>,
  rc: PlanReportContext,
  dataset: DatasetInfo,
): PlanReport<MetaRunReport> {
  const metaRows = samples.map(rowFromDetail);
  const verdicts = samples.map((s) => (s.error === null ? Boolean(s.detail?.verdict) : null));
  const meta = buildMetaReport({ rows: metaRows, modelVerdicts: verdicts, seed: rc.seed });
  const errors = samples.filter((s) => s.error).map((s) => ({ exampleId: s.exampleId, stage: s.error?.stage, message: s.error?.message }));
  return metaReportJson(meta, {
    formatVersion: 1 as const,
    runId: rc.runId,
    createdAt: rc.createdAt,
    task: 'meta' as const,
    tool: { name: 'healthbench' as const, version: rc.toolVersion },
    dataset,
    grader: rc.grader,
    seed: rc.seed,
    testDouble: rc.testDouble,
    errors,
  });
}
