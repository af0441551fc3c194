import { relative, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { DataValidationError, UsageError, type DataIssue } from '../../core/errors.js';
import { fetchToCache, sha256File } from '../../data/download.js';
import { OFFICIAL_BASE_URL, OFFICIAL_FILES } from '../../data/official.js';
import { parseMetaRecord, type MetaRow } from '../../meta/index.js';
import { selectExampleIndices } from '../../scoring/index.js';
import { readJsonValues } from '../../store/jsonl.js';
import type { WorkItem } from '../../core/task.js';
import type { PrepareContext, TaskPlan } from '../../core/plan.js';
import type { MetaDetail } from '../../core/records.js';
import type { MetaRunReport } from '../../core/report.js';
import { metaEvaluator } from './evaluator.js';
import { metaReport } from './report.js';

/** The meta-eval file: the official one (downloaded, cached, checked) or a local path. */
async function resolveMetaFile(
  spec: string,
  ctx: PrepareContext,
): Promise<{ path: string; name: string; official: 'match' | 'mismatch' | 'unknown' }> {
  const official = OFFICIAL_FILES['healthbench-meta'];
  if (spec === 'healthbench-meta' && official) {
    const base = ctx.env['HEALTHBENCH_DATA_BASE_URL'] ?? OFFICIAL_BASE_URL;
    const cached = await fetchToCache({
      url: `${base}${official.file}`,
      fileName: official.file,
      expectedSha256: official.sha256,
      env: ctx.env,
    });
    return { path: cached.path, name: spec, official: 'match' };
  }
  const path = resolve(ctx.cwd, spec);
  if (!(await stat(path).catch(() => null))?.isFile())
    throw new UsageError(`${spec}: no such meta-eval file (use healthbench-meta or a path)`);
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

/** HealthBench meta-evaluation: the grader under test against physicians' labels. */
export async function prepareMeta(datasetSpec: string, ctx: PrepareContext): Promise<TaskPlan<MetaRow, MetaDetail, MetaRunReport>> {
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
    async *items(): AsyncGenerator<WorkItem<MetaRow>> {
      for (const [rank, index] of selected.entries()) {
        const row = rows[index] as MetaRow;
        yield {
          exampleId: idOf(index),
          rank,
          repeat: 0,
          language: 'und',
          exampleTags: [row.category],
          messages: row.prompt,
          fixedResponse: row.completion,
          payload: row,
        };
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
