import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { encodeSamples, toPageSample } from '../../../src/report/html/index.js';
import { readSamples } from '../../../src/store/read-run.js';
import { RunStore, sampleKey } from '../../../src/store/run-store.js';
import { ReportAhead, reportRecord } from '../../../src/runner/report-ahead.js';
import { failedSample, graded } from '../report/make-sample.js';

const ITEMS = [{ points: 5, tags: ['axis:accuracy'], met: true, text: 'a criterion' }];

let dir = '';
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'hb-ahead-')), 'run');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('ReportAhead', () => {
  test('keeps, as the records are appended, exactly what the report phase would read from samples.jsonl', async () => {
    const store = new RunStore(dir);
    await store.open();
    const ahead = new ReportAhead(store, { bootstrapThread: false });
    const long = 'x'.repeat(5000);
    for (let i = 0; i < 130; i += 1) store.appendSample({ ...graded(`e${i}`, ITEMS), response: `${long}${i}` });
    // A retried sample: the latest record counts, in the place of the first.
    store.appendSample(failedSample('e120', 'grader', 'no verdict'));
    store.closeFiles();
    const kept = await ahead.kept();
    const fromFile = await readSamples(dir);
    expect([...(kept.records?.keys() ?? [])]).toEqual(fromFile.map((s) => sampleKey(s.exampleId, s.repeat)));
    expect(isDeepStrictEqual([...(kept.records?.values() ?? [])], fromFile.map(reportRecord))).toBe(true);
    const page = encodeSamples(fromFile.map(toPageSample));
    expect(isDeepStrictEqual(kept.page?.index, page.index)).toBe(true);
    // The sealed chunk is gzipped as well; its JSON is kept while the page may still be small.
    expect(kept.page?.chunks.map((c) => [c.chars, c.json])).toEqual(page.chunks.map((c) => [c.chars, c.json]));
    expect(kept.page?.chunks.map((c) => c.gzipBase64 !== null)).toEqual([true, false]);
    // Trimmed: no conversation, no explanations, an excerpt of the response.
    const first = kept.records?.get(sampleKey('e0', 0)) as SampleRecord;
    expect(first.messagesSent).toEqual([]);
    expect(first.criteria.every((c) => c.explanation === '')).toBe(true);
    expect(first.response?.length).toBeLessThan(long.length);
    await ahead.close();
    store.close();
  });

  test("reads a kept record's criteria and response back from its line in samples.jsonl, once, when asked for", async () => {
    const store = new RunStore(dir);
    await store.open();
    const ahead = new ReportAhead(store, { bootstrapThread: false });
    store.appendSample(graded('a', ITEMS));
    store.appendSample({ ...graded('b\u00e9', ITEMS), response: 'r\u00e9ponse' });
    store.close();
    const records = (await ahead.kept()).records ?? new Map<string, SampleRecord>();
    const b = records.get(sampleKey('b\u00e9', 0)) as SampleRecord;
    const expected = reportRecord((await readSamples(dir))[1] as SampleRecord);
    expect({ ...b }).toEqual(expected);
    expect(Object.keys(b)).toEqual(Object.keys(expected));
    expect(JSON.parse(JSON.stringify(b))).toEqual(expected);
    // Read on first use: a line no longer where it was written is refused rather than misread.
    const a = records.get(sampleKey('a', 0)) as SampleRecord;
    await writeFile(store.samplesPath, (await readFile(store.samplesPath, 'utf8')).split('\n').reverse().join('\n'));
    expect(() => a.criteria).toThrow(/changed while the run was writing it/);
  });

  test('in a resumed run, reads what an earlier process wrote, then keeps the new records after it, as the file has them', async () => {
    const first = new RunStore(dir);
    await first.open();
    for (let i = 0; i < 150; i += 1) first.appendSample({ ...graded(`e${i}`, ITEMS), response: `r\u00e9ponse ${i}` });
    first.appendSample(failedSample('e7', 'grader', 'no verdict'));
    first.close();
    const resumed = new RunStore(dir);
    await resumed.open();
    const ahead = new ReportAhead(resumed, { bootstrapThread: false });
    // The retried sample is recorded again, the run goes on with new ones.
    resumed.appendSample(graded('e7', ITEMS));
    for (let i = 150; i < 160; i += 1) resumed.appendSample(graded(`e${i}`, ITEMS));
    resumed.closeFiles();
    const kept = await ahead.kept();
    const fromFile = await readSamples(dir);
    expect([...(kept.records?.keys() ?? [])]).toEqual(fromFile.map((s) => sampleKey(s.exampleId, s.repeat)));
    expect(isDeepStrictEqual([...(kept.records?.values() ?? [])], fromFile.map(reportRecord))).toBe(true);
    // Criteria and response are read back by offset, from a line the earlier process wrote.
    const e3 = kept.records?.get(sampleKey('e3', 0)) as SampleRecord;
    expect(JSON.parse(JSON.stringify(e3))).toEqual(reportRecord(fromFile[3] as SampleRecord));
    // e7 was recorded again after its chunk of the page was sealed: the page is built from the file at the end.
    expect(kept.page).toBeNull();
    // Both run files were hashed, earlier bytes and new ones, as the manifest would hash them from disk.
    const digests = await resumed.settledDigests();
    for (const [name, path] of [
      ['samples.jsonl', resumed.samplesPath],
      ['journal.jsonl', resumed.journalPath],
    ] as const) {
      const bytes = await readFile(path);
      if (bytes.length === 0) continue;
      expect(digests.get(name)).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
    }
    resumed.close();
  });

  test('in a resumed run without re-recorded samples, keeps the page too', async () => {
    const first = new RunStore(dir);
    await first.open();
    first.appendSample(graded('a', ITEMS));
    first.close();
    const resumed = new RunStore(dir);
    await resumed.open();
    const ahead = new ReportAhead(resumed, { bootstrapThread: false });
    resumed.appendSample(graded('b', ITEMS));
    resumed.closeFiles();
    const kept = await ahead.kept();
    const fromFile = await readSamples(dir);
    expect(isDeepStrictEqual([...(kept.records?.values() ?? [])], fromFile.map(reportRecord))).toBe(true);
    const page = encodeSamples(fromFile.map(toPageSample));
    expect(isDeepStrictEqual(kept.page?.index, page.index)).toBe(true);
    expect(kept.page?.chunks.map((c) => [c.chars, c.json])).toEqual(page.chunks.map((c) => [c.chars, c.json]));
    resumed.close();
  });

  test('in a resumed run, keeps nothing when the earlier lines cannot be read (the report phase reads the file then)', async () => {
    const first = new RunStore(dir);
    await first.open();
    first.appendSample(graded('a', ITEMS));
    first.close();
    // A damaged line an earlier process left (the report phase reports it when it reads the file).
    await writeFile(join(dir, 'samples.jsonl'), `{"not a record"\n${await readFile(join(dir, 'samples.jsonl'), 'utf8')}`);
    const resumed = new RunStore(dir);
    await resumed.open();
    const ahead = new ReportAhead(resumed, { bootstrapThread: false });
    resumed.appendSample(graded('b', ITEMS));
    expect(await ahead.kept()).toEqual({ records: null, page: null });
    resumed.close();
  });

  test('an empty run keeps an empty page', async () => {
    const store = new RunStore(dir);
    await store.open();
    const ahead = new ReportAhead(store, { bootstrapThread: false });
    expect(await ahead.kept()).toEqual({ records: new Map(), page: { index: [], chunks: [] } });
    store.close();
  });

  test('starts the bootstrap thread only when asked and once the run is big enough', async () => {
    const store = new RunStore(dir);
    await store.open();
    const ahead = new ReportAhead(store, { bootstrapThread: true });
    const without = new ReportAhead(store, { bootstrapThread: false });
    for (let i = 0; i < 199; i += 1) store.appendSample(graded(`e${i}`, ITEMS));
    expect(await ahead.bootstrapPool()).toBeUndefined();
    store.appendSample(graded('e199', ITEMS));
    expect(await ahead.bootstrapPool()).toBeDefined();
    expect(await without.bootstrapPool()).toBeUndefined();
    await ahead.close();
    store.close();
  });

  test('starts the bootstrap thread with the first record when the run is planned big enough', async () => {
    const store = new RunStore(dir);
    await store.open();
    const big = new ReportAhead(store, { bootstrapThread: true, expectedSamples: 200 });
    const small = new ReportAhead(store, { bootstrapThread: true, expectedSamples: 199 });
    store.appendSample(graded('e0', ITEMS));
    expect(await big.bootstrapPool()).toBeDefined();
    expect(await small.bootstrapPool()).toBeUndefined();
    await big.close();
    store.close();
  });
});
