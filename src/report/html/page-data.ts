/**
 * The compact shapes embedded in report.html and diff.html, and the pure functions that build them from the
 * records on disk. Short keys keep a 5,000-example page small; the browser script reads exactly these shapes.
 */
import type { SampleRecord } from '../../core/types.js';
import type { ChangedExample, RunDiff } from '../../compare/diff-runs.js';
import type { Report } from '../types.js';

/** One rubric item as shown: [text, points, met (1, 0 or null), grader explanation, per-grader verdicts, error, axis]. */
export type PageCriterion = [string, number, 1 | 0 | null, string, Array<1 | 0 | null> | null, string | null, string | null];

/** One sample (example × repeat) as the sample browser needs it. */
export interface PageSample {
  /** Example id. */
  id: string;
  r: number;
  lang: string;
  theme: string | null;
  tags: string[];
  /** Per-example score; null on error. */
  s: number | null;
  /** Per-axis scores of this example (metric keys `axis:*`, without the prefix). */
  ax: Record<string, number>;
  /** `stage: message (cause)` when the sample failed. */
  err: string | null;
  /** Conversation sent to the candidate: [role, content]. */
  m: Array<[string, string]>;
  /** Candidate response. */
  o: string | null;
  c: PageCriterion[];
  /** Task detail (MedCalc: extracted answer, ground truth, limits, verdict). */
  d: Record<string, unknown> | null;
}

const bit = (v: boolean | null | undefined): 1 | 0 | null => (v === true ? 1 : v === false ? 0 : null);

/** Compacts one sample record for the page. */
export function toPageSample(s: SampleRecord): PageSample {
  const ax: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.metrics ?? {})) if (k.startsWith('axis:')) ax[k.slice(5)] = v;
  return {
    id: s.exampleId,
    r: s.repeat,
    lang: s.language,
    theme: s.exampleTags.find((t) => t.startsWith('theme:'))?.slice(6) ?? null,
    tags: s.exampleTags.filter((t) => !t.startsWith('theme:')),
    s: s.error === null ? s.score : null,
    ax,
    err: s.error === null ? null : `${s.error.stage}: ${s.error.message}${s.error.cause ? ` (${s.error.cause})` : ''}`,
    m: s.messagesSent.map((msg) => [msg.role, msg.content]),
    o: s.response,
    c: s.criteria.map((c) => [
      c.text,
      c.points,
      bit(c.met),
      c.explanation,
      c.verdicts ? c.verdicts.map(bit) : null,
      c.error,
      c.tags.find((t) => t.startsWith('axis:'))?.slice(5) ?? null,
    ]),
    d: s.detail,
  };
}

/** What the sample table needs of a sample; the rest (conversation, response, rubric) is a {@link PageDetail}. */
export type PageIndexEntry = Omit<PageSample, 'm' | 'o' | 'c'> & { /** Rubric items. */ n: number };

/** The heavy part of a sample, read only when the sample is opened or searched: [conversation, response, rubric]. */
export type PageDetail = [PageSample['m'], PageSample['o'], PageSample['c']];

/** Samples per embedded detail chunk: opening a sample inflates and parses only its chunk. */
export const DETAIL_CHUNK = 100;

/** Everything report.html embeds up front; the details follow in chunks of {@link DETAIL_CHUNK}. */
export interface ReportPageData {
  kind: 'report';
  report: Report;
  /** Grader specs in `--grader` order, to name per-grader verdicts. */
  graders: string[];
  chunkSize: number;
  samples: PageIndexEntry[];
}

/** One sample's row of the sample table and its detail, the two halves {@link splitSamples} puts it in. */
export function pageParts(p: PageSample): { entry: PageIndexEntry; detail: PageDetail } {
  const { m, o, c, ...rest } = p;
  return { entry: { ...rest, n: c.length }, detail: [m, o, c] };
}

/** Splits samples into the table index and the detail chunks. */
export function splitSamples(samples: readonly PageSample[]): { index: PageIndexEntry[]; chunks: PageDetail[][] } {
  const index: PageIndexEntry[] = [];
  const chunks: PageDetail[][] = [];
  samples.forEach((p, i) => {
    const { entry, detail } = pageParts(p);
    index.push(entry);
    if (i % DETAIL_CHUNK === 0) chunks.push([]);
    chunks[chunks.length - 1]?.push(detail);
  });
  return { index, chunks };
}

/**
 * A detail chunk already serialized: the length of its embedded JSON (what decides whether the page is compressed),
 * and that JSON or its gzip-base64 form, or both. A chunk may drop its JSON only once the page is sure to be
 * compressed.
 */
export interface EncodedChunk {
  chars: number;
  json: string | null;
  gzipBase64: string | null;
}

/**
 * The samples of report.html already split and serialized, in page order: each table row as its embedded JSON, and the
 * detail chunks. Built while a run goes (runner/page-ahead.ts), so the page at the end only adds the report.
 */
export interface EncodedSamples {
  index: string[];
  chunks: EncodedChunk[];
}

/** One changed sample of a diff with both responses, for the side-by-side view. */
export interface DiffPageExample {
  id: string;
  r: number;
  /** The conversation (from the head run). */
  m: Array<[string, string]>;
  base: string | null;
  head: string | null;
}

/** Everything diff.html embeds. */
export interface DiffPageData {
  kind: 'diff';
  diff: RunDiff;
  /** Responses behind `diff.topChanged`, keyed `id\u0000repeat`; empty when the runs' samples were not at hand. */
  examples: DiffPageExample[];
}

export const sampleKeyOf = (id: string, repeat: number): string => `${id}\u0000${repeat}`;

/** Pairs the most-changed samples of a diff with both runs' responses. */
export function diffExamples(
  changed: readonly ChangedExample[],
  base: readonly SampleRecord[],
  head: readonly SampleRecord[],
): DiffPageExample[] {
  const wanted = new Set(changed.map((c) => sampleKeyOf(c.exampleId, c.repeat)));
  const pick = (list: readonly SampleRecord[]): Map<string, SampleRecord> =>
    new Map(list.filter((s) => wanted.has(sampleKeyOf(s.exampleId, s.repeat))).map((s) => [sampleKeyOf(s.exampleId, s.repeat), s]));
  const b = pick(base);
  const h = pick(head);
  return changed.map((c) => {
    const key = sampleKeyOf(c.exampleId, c.repeat);
    const hs = h.get(key);
    return {
      id: c.exampleId,
      r: c.repeat,
      m: (hs ?? b.get(key))?.messagesSent.map((msg) => [msg.role, msg.content] as [string, string]) ?? [],
      base: b.get(key)?.response ?? null,
      head: hs?.response ?? null,
    };
  });
}
