/**
 * report.html and diff.html builders. Pure: data in, one self-contained HTML string out (inline CSS, script and
 * data; nothing loaded from anywhere, so the file works from file://, as a CI artifact or on a static host).
 */
import type { RunDiff } from '../../compare/diff-runs.js';
import type { Report } from '../types.js';
import { CLIENT_COMMON } from './client-common.js';
import { CLIENT_DIFF } from './client-diff.js';
import { CLIENT_REPORT } from './client-report.js';
import { embedJson, encodeChunk, htmlDocument, htmlDocumentParts, type PageCompression } from './document.js';
import {
  DETAIL_CHUNK,
  splitSamples,
  type DiffPageData,
  type DiffPageExample,
  type EncodedChunk,
  type EncodedSamples,
  type PageSample,
} from './page-data.js';

export {
  DETAIL_CHUNK,
  diffExamples,
  pageParts,
  sampleKeyOf,
  splitSamples,
  toPageSample,
  type DiffPageExample,
  type EncodedChunk,
  type EncodedSamples,
  type PageDetail,
  type PageIndexEntry,
  type PageSample,
} from './page-data.js';
export { embedJson, encodeChunk, type PageCompression } from './document.js';
export { CLIENT_COMMON } from './client-common.js';

/**
 * report.html of a run: the report's figures plus every sample (lowest score first in the browser). The samples come
 * as records for the page, or already split and serialized ({@link EncodedSamples}); the page is the same.
 */
export function buildReportPage(
  report: Report,
  samples: readonly PageSample[] | EncodedSamples,
  graders?: readonly string[],
  compression?: PageCompression,
): string {
  return buildReportPageParts(report, samples, graders, compression).join('');
}

/** {@link buildReportPage} as the pieces whose concatenation is the page (see {@link htmlDocumentParts}). */
export function buildReportPageParts(
  report: Report,
  samples: readonly PageSample[] | EncodedSamples,
  graders?: readonly string[],
  compression?: PageCompression,
): string[] {
  const { index, chunks } = Array.isArray(samples) ? encodeSamples(samples as readonly PageSample[]) : (samples as EncodedSamples);
  const names = [...(graders ?? (report.grader ? report.grader.spec.split(', ') : []))];
  // embedJson of the page data ({@link ReportPageData}: kind, report, graders, chunkSize, samples, in this order),
  // with the rows already serialized: JSON.stringify of an object or array is its members' texts joined, and embedJson
  // only escapes single characters, so the pieces make the same text.
  const json = `{"kind":"report","report":${embedJson(report)},"graders":${embedJson(names)},"chunkSize":${DETAIL_CHUNK},"samples":[${index.join(',')}]}`;
  const main: EncodedChunk = { chars: json.length, json, gzipBase64: null };
  return htmlDocumentParts('healthbench report', main, CLIENT_COMMON + CLIENT_REPORT, compression, chunks);
}

/** Splits and serializes page samples (what runner/page-ahead.ts does one sample at a time while a run goes). */
export function encodeSamples(samples: readonly PageSample[]): EncodedSamples {
  const { index, chunks } = splitSamples(samples);
  return { index: index.map((entry) => embedJson(entry)), chunks: chunks.map(encodeChunk) };
}

/** diff.html: per-group deltas as a forest plot and the most-changed samples with both responses. */
export function buildDiffPage(diff: RunDiff, examples: readonly DiffPageExample[], compression?: PageCompression): string {
  const data: DiffPageData = { kind: 'diff', diff, examples: [...examples] };
  return htmlDocument('healthbench diff', data, CLIENT_COMMON + CLIENT_DIFF, compression);
}
