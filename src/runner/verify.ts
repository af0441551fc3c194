/**
 * `healthbench verify`: proves a run directory is what the run wrote. Every file is checked against the sha256
 * manifest written at the end of the run, and report.json is rebuilt from samples.jsonl and compared figure by
 * figure, so an edited report or an edited sample is found even if the manifest was rewritten too.
 */
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { reportNotes } from '../core/report.js';
import { checkManifest, readManifest, type ManifestProblem } from '../store/manifest.js';
import { configDifferences } from './eval.js';
import { readRecordedRun, rebuildReport, referencePositions } from './recorded-run.js';

export interface VerifyResult {
  dir: string;
  runId: string;
  /** Files listed in the manifest. */
  filesChecked: number;
  manifestProblems: ManifestProblem[];
  /** report.json fields whose recorded value differs from the one rebuilt from samples.jsonl. */
  reportDifferences: string[];
  /** report.json fields checked by recomputation. */
  fieldsRecomputed: string[];
  ok: boolean;
}

/** Verifies a finished run directory. Throws UsageError (exit 2) when it is not one or has no manifest. */
export async function verifyRun(path: string, cwd: string): Promise<VerifyResult> {
  const dir = resolve(cwd, path);
  const recorded = await readRecordedRun(dir);
  const manifest = await readManifest(dir);
  if (!manifest) throw new UsageError(`${dir}: no manifest.json; only runs finished by this version of healthbench can be verified`);
  const manifestProblems = await checkManifest(dir, manifest);
  const positions = referencePositions(recorded.selection, recorded.samples, dir);
  const r = recorded.report;
  const rebuilt = await rebuildReport(recorded, recorded.samples, positions, {
    runId: r.runId,
    createdAt: r.createdAt,
    notes: reportNotes(r),
  });
  const recordedJson = r as unknown as Record<string, unknown>;
  const rebuiltFields = Object.entries(rebuilt.json);
  const fieldsRecomputed = rebuiltFields.map(([key]) => key);
  const reportDifferences = rebuiltFields.flatMap(([key, value]) =>
    configDifferences(recordedJson[key], value, `.${key}`).map(
      (d) => `report.json ${d.replace(' → ', ' (recorded) ≠ ')} (rebuilt from samples.jsonl)`,
    ),
  );
  return {
    dir,
    runId: r.runId,
    filesChecked: Object.keys(manifest.files).length,
    manifestProblems,
    reportDifferences,
    fieldsRecomputed,
    ok: manifestProblems.length === 0 && reportDifferences.length === 0,
  };
}

/** The human rendering of a verification. */
export function renderVerify(v: VerifyResult): string {
  const lines = [`run ${v.runId} (${v.dir})`];
  lines.push(
    v.manifestProblems.length === 0
      ? `  files: all ${v.filesChecked} match manifest.json (sha256)`
      : `  files: ${v.manifestProblems.length} problem(s) against manifest.json:`,
  );
  for (const p of v.manifestProblems) lines.push(`    ${p.kind.toUpperCase()} ${p.file}: ${p.detail}`);
  lines.push(
    v.reportDifferences.length === 0
      ? `  report: ${v.fieldsRecomputed.length} fields of report.json rebuilt from samples.jsonl, all equal (cost, gate and diff are covered by the manifest only)`
      : `  report: ${v.reportDifferences.length} field(s) differ from the report rebuilt from samples.jsonl:`,
  );
  for (const d of v.reportDifferences.slice(0, 30)) lines.push(`    ${d}`);
  if (v.reportDifferences.length > 30) lines.push(`    … and ${v.reportDifferences.length - 30} more`);
  lines.push(
    v.ok ? 'VERIFIED: the run directory is as the run wrote it.' : 'NOT VERIFIED: the run directory was altered after the run (see above).',
  );
  return `${lines.join('\n')}\n`;
}
