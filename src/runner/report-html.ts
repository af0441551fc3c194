/**
 * Edge of the HTML pages: reads a run (report.json + streamed samples.jsonl) or a diff and writes report.html /
 * diff.html atomically. The pages themselves are built by the pure src/report/html.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SampleRecord } from '../core/types.js';
import type { RunDiff } from '../compare/diff-runs.js';
import {
  buildDiffPage,
  buildReportPageParts,
  diffExamples,
  sampleKeyOf,
  toPageSample,
  type DiffPageExample,
  type EncodedSamples,
  type PageCompression,
  type PageSample,
} from '../report/html/index.js';
import type { Report } from '../report/types.js';
import { writeFileAtomic } from '../store/atomic.js';
import { iterateSamples, readReport } from '../store/read-run.js';

/**
 * Pages whose data is at least this long embed it gzip-compressed (base64): text shrinks to about a third, so a
 * 5,000-example run stays well under 40 MB and parses faster. Smaller pages keep plain, greppable JSON. Level 1:
 * the page is written after the last response, and level 6 took about three times as long for a few % less.
 */
export const COMPRESS_FROM_CHARS = 1_000_000;
export const PAGE_GZIP_LEVEL = 1;
export const PAGE_COMPRESSION: PageCompression = {
  minChars: COMPRESS_FROM_CHARS,
  gzipBase64: (text) => gzipSync(text, { level: PAGE_GZIP_LEVEL }).toString('base64'),
};

/**
 * Builds and writes `report.html` in a run directory; returns its path. What the caller does not pass is read from the
 * directory: the report, the samples (samples.jsonl streamed, latest record per sample wins), the graders (run.json).
 */
export async function writeRunReportHtml(
  runDir: string,
  report?: Report,
  known?: { samples: PageSample[] | EncodedSamples | null; graders: string[] },
): Promise<string> {
  const rep = report ?? (await readReport(join(runDir, 'report.json')));
  const samples = known?.samples ?? (await pageSamples(runDir));
  const graders = known ? (known.graders.length > 0 ? known.graders : undefined) : await graderSpecs(runDir);
  const path = join(runDir, 'report.html');
  await writeFileAtomic(path, buildReportPageParts(rep, samples, graders, PAGE_COMPRESSION));
  return path;
}

/** The latest record of every sample in a run directory, as the page shows it. */
async function pageSamples(runDir: string): Promise<PageSample[]> {
  const latest = new Map<string, PageSample>();
  for await (const s of iterateSamples(join(runDir, 'samples.jsonl'))) latest.set(sampleKeyOf(s.exampleId, s.repeat), toPageSample(s));
  return [...latest.values()];
}

/** The grader specs in `--grader` order from run.json, when it lists them. */
async function graderSpecs(runDir: string): Promise<string[] | undefined> {
  try {
    const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { config?: { graders?: Array<{ spec?: unknown }> } };
    const specs = run.config?.graders?.map((g) => g.spec).filter((s): s is string => typeof s === 'string');
    return specs && specs.length > 0 ? specs : undefined;
  } catch {
    return undefined;
  }
}

/** The sample records of `wanted` keys (`id\u0000repeat`) in a run directory, streamed. */
async function pickSamples(runDir: string, wanted: ReadonlySet<string>): Promise<SampleRecord[]> {
  const found = new Map<string, SampleRecord>();
  for await (const s of iterateSamples(join(runDir, 'samples.jsonl'))) {
    const key = sampleKeyOf(s.exampleId, s.repeat);
    if (wanted.has(key)) found.set(key, s);
  }
  return [...found.values()];
}

/**
 * Builds and writes `diff.html` into `outDir`; given both run directories, the most-changed samples show both
 * responses (only those samples are kept while streaming).
 */
export async function writeDiffHtml(outDir: string, diff: RunDiff, runs?: { baseDir: string; headDir: string }): Promise<string> {
  let examples: DiffPageExample[] = [];
  if (runs) {
    const wanted = new Set(diff.topChanged.map((c) => sampleKeyOf(c.exampleId, c.repeat)));
    const [base, head] = await Promise.all([pickSamples(runs.baseDir, wanted), pickSamples(runs.headDir, wanted)]);
    examples = diffExamples(diff.topChanged, base, head);
  }
  const path = join(outDir, 'diff.html');
  await writeFileAtomic(path, buildDiffPage(diff, examples, PAGE_COMPRESSION));
  return path;
}
