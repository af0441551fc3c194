import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { buildHealthbenchReport } from '../../../src/report/build-report.js';
import { buildReportPage, encodeSamples, toPageSample, type PageCompression } from '../../../src/report/html/index.js';
import { PageAhead } from '../../../src/runner/page-ahead.js';
import { sampleKey } from '../../../src/store/run-store.js';
import { graded } from '../report/make-sample.js';

const ITEMS = [
  { points: 5, tags: ['axis:accuracy'], met: true },
  { points: -3, tags: ['axis:completeness'], met: false },
];

/** A record as a reader of samples.jsonl gets it (the page ahead is fed parsed lines). */
const line = (s: SampleRecord): SampleRecord => JSON.parse(JSON.stringify(s)) as SampleRecord;
const sample = (i: number, text = 'answer'): SampleRecord =>
  line({ ...graded(`x${i}`, ITEMS, { tags: [`theme:t${i % 3}`] }), response: `${text} ${i} ${'<long>'.repeat(i % 7)}` });

const report = buildHealthbenchReport(
  [0, 1, 2].map((i) => ({ position: i, sample: sample(i) })),
  {
    runId: 'r',
    createdAt: '2026-01-01T00:00:00.000Z',
    toolVersion: 't',
    dataset: { name: 'd', sha256: '0', officialSha256: 'n/a', count: 3 },
    model: null,
    grader: null,
    seed: 1,
    repeats: 1,
    testDouble: true,
    notes: [],
  },
);

const gz = (minChars: number): PageCompression => ({ minChars, gzipBase64: (t) => gzipSync(t, { level: 1 }).toString('base64') });

/** The page a reader of the records builds: latest record per sample, in order of first appearance. */
function pageFromRecords(records: readonly SampleRecord[], compression: PageCompression): string {
  const latest = new Map<string, SampleRecord>();
  for (const s of records) latest.set(sampleKey(s.exampleId, s.repeat), s);
  return buildReportPage(report, [...latest.values()].map(toPageSample), ['g'], compression);
}

async function pageAhead(records: readonly SampleRecord[], compression: PageCompression): Promise<string | null> {
  const ahead = new PageAhead(compression.minChars);
  for (const s of records) ahead.add(sampleKey(s.exampleId, s.repeat), s);
  const encoded = await ahead.result();
  return encoded && buildReportPage(report, encoded, ['g'], compression);
}

describe('report.html samples built while the run goes', () => {
  const records = Array.from({ length: 250 }, (_, i) => sample(i));

  // All chunks' JSON together: below it the sealed chunks keep their JSON, and the page still compresses once the
  // report and the index are added.
  const chunkChars = encodeSamples(records.map(toPageSample)).chunks.reduce((n, c) => n + c.chars, 0);

  test.each([
    ['never compressed', 1e9],
    ['compressed only once the report and index are added', chunkChars + 1],
    ['compressed once the first chunks are sealed (their JSON dropped)', 1],
  ])('give the same page as the records read at the end (%s)', async (_, minChars) => {
    const expected = pageFromRecords(records, gz(minChars));
    expect(await pageAhead(records, gz(minChars))).toBe(expected);
  });

  test('a sample recorded again while its chunk is open keeps its place and shows the latest record', async () => {
    const again = [...records, sample(220, 'retried'), sample(249, 'retried')];
    const page = await pageAhead(again, gz(1));
    expect(page).toBe(pageFromRecords(again, gz(1)));
    expect(page).not.toBe(pageFromRecords(records, gz(1)));
  });

  test('a sample recorded again after its chunk was sealed gives up (the page is then built from samples.jsonl)', async () => {
    const ahead = new PageAhead(1);
    for (const s of [...records, sample(5, 'retried')]) ahead.add(sampleKey(s.exampleId, s.repeat), s);
    expect(ahead.stale).toBe(true);
    expect(await ahead.result()).toBeNull();
  });

  test('an empty run gives an empty page', async () => {
    expect(await pageAhead([], gz(1))).toBe(pageFromRecords([], gz(1)));
  });
});
