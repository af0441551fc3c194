import { relative, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { DataValidationError, UsageError, type DataIssue } from '../../core/errors.js';
import type { SampleRecord } from '../../core/types.js';
import { fetchToCache, sha256File } from '../../data/download.js';
import { OFFICIAL_BASE_URL, OFFICIAL_FILES } from '../../data/official.js';
import { renderGraderPrompt } from '../../grading/index.js';
import { buildMetaReport, parseMetaRecord, renderMetaMarkdown, type MetaRow } from '../../meta/index.js';
import { selectExampleIndices } from '../../scoring/index.js';
import { readJsonValues } from '../../store/jsonl.js';
import type { GraderOutcome, TaskEvaluator, WorkItem } from '../task.js';
import type { DatasetInfo } from '../../report/types.js';
import type { PlanReport, PlanReportContext, PrepareContext, TaskPlan } from './plan.js';

/** The meta-eval file: the official one (downloaded, cached, checked) or a local path. */
async function resolveMetaFile(spec: string, ctx: PrepareContext): Promise<{ path: string; name: string; official: 'match' | 'mismatch' | 'unknown' }> {
  const official = OFFICIAL_FILES['healthbench-meta'];
  if (spec === 'healthbench-meta' && official) {
    const base = ctx.env['HEALTHBENCH_DATA_BASE_URL'] ?? OFFICIAL_BASE_URL;
    const cached = await fetchToCache({ url: `${base}${official.file}`, fileName: official.file, expectedSha256: official.sha256, env: ctx.env });
    return { path: cached.path, name: spec, official: 'match' };
  }
  const path = resolve(ctx.cwd, spec);
  if (!(await stat(path).catch(() => null))?.isFile()) throw new UsageError(`${spec}: no such meta-eval file (use healthbench-meta or a path)`);
  const sha = await sha256File(path);
  return { path, name: spec, official: official && sha === official.sha256 ? 'match' : 'unknown' };
}

/** Reads and checks every row (all problems collected); rows are small enough to keep. */
export async function loadMetaRows(path: string, display: string): Promise<MetaRow[]> {
  const rows: MetaRow[] = [];
  const issues: DataIssue[] = [];
  for await (const { line, value } of readJsonValues(path, display, issues)) {
    const r = parseMetaRecord(value, display, line);
    if ('issues' in r) issues.push(...r.issues);
    else rows.push(r.row);
  }
  if (issues.length > 0) throw new DataValidationError(issues);
  if (rows.length === 0) throw new DataValidationError([{ file: display, line: 0, pointer: '', message: 'no rows' }]);
  return rows;
}

/** The grader under test judges each row's completion against the consensus criterion alone (no points, docs §12). */
function metaEvaluator(template: string): TaskEvaluator {
  return {
    task: 'meta',
    graderCalls(item, messagesSent, response) {
      const row = item.payload as MetaRow;
      return [{ grader: 0, prompt: renderGraderPrompt(template, messagesSent, response, row.rubric) }];
    },
    finish(item, _response, outcomes: GraderOutcome[]) {
      const row = item.payload as MetaRow;
      const o = outcomes[0];
      const detail = { category: row.category, binaryLabels: row.binaryLabels, physicianIds: row.physicianIds };
      if (!o || !o.ok) {
        return {
          criteria: [],
          score: null,
          metrics: null,
          detail,
          error: { stage: 'grader', message: o && !o.ok ? o.error : 'no grader outcome', cause: o && !o.ok ? o.cause : null },
        };
      }
      return {
        criteria: [{ text: row.rubric, points: 0, tags: [row.category], met: o.met, explanation: o.explanation, attempts: o.attempts, error: null }],
        score: o.met ? 1 : 0,
        metrics: { model_predicted_positive: o.met ? 1 : 0 },
        detail: { ...detail, verdict: o.met },
        error: null,
      };
    },
  };
}

function rowFromDetail(s: SampleRecord): MetaRow {
  const d = s.detail ?? {};
  return {
    promptId: '',
    completionId: '',
    prompt: [],
    completion: '',
    rubric: '',
    category: String(d['category'] ?? ''),
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

/** HealthBench meta-evaluation: the grader under test against physicians' labels. */
export async function prepareMeta(datasetSpec: string, ctx: PrepareContext): Promise<TaskPlan> {
  const file = await resolveMetaFile(datasetSpec, ctx);
  const display = relative(ctx.cwd, file.path) || file.path;
  const rows = await loadMetaRows(file.path, display);
  const sha256 = await sha256File(file.path);
  const selected = selectExampleIndices(rows.length, ctx.limit);
  const n = selected.length;
  const dataset = { name: file.name, sha256, officialSha256: file.official, count: n };
  const idOf = (index: number): string => `row-${index}`;
  const rankOf = new Map(selected.map((index, r) => [idOf(index), r]));
  return {
    task: 'meta',
    dataset,
    identity: {},
    total: n,
    selectedIds: selected.map(idOf),
    async *items(): AsyncGenerator<WorkItem> {
      for (const [rank, index] of selected.entries()) {
        const row = rows[index] as MetaRow;
        yield { exampleId: idOf(index), rank, repeat: 0, language: 'und', exampleTags: [row.category], messages: row.prompt, fixedResponse: row.completion, payload: row };
      }
    },
    evaluator: metaEvaluator(ctx.template.text),
    needsCandidate: false,
    needsGrader: true,
    position: (s) => rankOf.get(s.exampleId) ?? 0,
    notes: [],
    report: (samples, rc) => metaReport(samples, rc, dataset),
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
