import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RunStore, sampleKey, type JournalEntry } from '../../../src/store/run-store.js';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/store/atomic.js';
import { sha256OfFile, writeManifest } from '../../../src/store/manifest.js';
import { failedSample, graded } from '../report/make-sample.js';

const item = { points: 5, tags: ['axis:accuracy'], met: true };
const zero = { calls: 1, inputTokens: 1, outputTokens: 1, cachedInputTokens: 0 };

const completion = (exampleId: string, repeat = 0): JournalEntry => ({
  t: 'completion',
  exampleId,
  repeat,
  response: `r-${exampleId}`,
  usage: zero,
});
const verdict = (exampleId: string, i: number, repeat = 0): JournalEntry => ({
  t: 'verdict',
  exampleId,
  repeat,
  i,
  met: i % 2 === 0,
  explanation: `e${i}`,
  attempts: 1,
  usage: zero,
});

let dir = '';
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'hb-run-')), 'run');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('RunStore', () => {
  test('open creates the directory; appends write one JSON line each', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.appendSample(graded('b', [item]));
    store.appendJournal(completion('c'));
    store.close();
    const samples = (await readFile(store.samplesPath, 'utf8')).split('\n');
    expect(samples).toHaveLength(3);
    expect(samples[2]).toBe('');
    expect(JSON.parse(samples[0] ?? '')).toEqual(graded('a', [item]));
    expect(JSON.parse((await readFile(store.journalPath, 'utf8')).trim())).toEqual(completion('c'));
  });

  test('appending before open throws', () => {
    const store = new RunStore(dir);
    expect(() => store.appendSample(graded('a', [item]))).toThrow(/not open/);
    expect(() => store.appendJournal(completion('a'))).toThrow(/not open/);
  });

  test('records are stored as given: data is never rewritten by secret redaction (issue #17.2)', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample({ ...graded('a', [item]), response: 'get a blood test' });
    store.appendJournal({ ...(completion('b') as Extract<JournalEntry, { t: 'completion' }>), response: 'get a blood test' });
    store.close();
    expect(await readFile(store.samplesPath, 'utf8')).toContain('get a blood test');
    expect(await readFile(store.journalPath, 'utf8')).toContain('get a blood test');
  });

  test('loadProgress on an empty directory finds nothing', async () => {
    const progress = await new RunStore(dir).loadProgress();
    expect(progress.done.size).toBe(0);
    expect(progress.completions.size).toBe(0);
    expect(progress.verdicts.size).toBe(0);
    expect(progress.tornLines).toBe(0);
  });

  test('finished samples are done; error records are not', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('ok', [item]));
    store.appendSample(failedSample('bad', 'candidate', 'HTTP 500'));
    store.appendSample(graded('ok', [item], { repeat: 1 }));
    store.close();
    const { done } = await store.loadProgress();
    expect([...done.keys()].sort()).toEqual([sampleKey('ok', 0), sampleKey('ok', 1)].sort());
    expect(done.has(sampleKey('bad', 0))).toBe(false);
  });

  test('a sample that failed and then succeeded on a later attempt is done', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(failedSample('x', 'grader', 'no valid verdict'));
    store.appendSample(graded('x', [item]));
    store.close();
    expect((await store.loadProgress()).done.has(sampleKey('x', 0))).toBe(true);
  });

  test('journal entries are kept for unfinished samples only', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendJournal(completion('done'));
    store.appendJournal(verdict('done', 0));
    store.appendJournal(completion('half'));
    store.appendJournal(verdict('half', 0));
    store.appendJournal(verdict('half', 2));
    store.appendJournal(verdict('half', 0, 1));
    store.appendSample(graded('done', [item]));
    store.close();
    const p = await store.loadProgress();
    expect([...p.completions.keys()]).toEqual([sampleKey('half', 0)]);
    expect(p.completions.get(sampleKey('half', 0))).toEqual(completion('half'));
    expect([...(p.verdicts.get(sampleKey('half', 0))?.keys() ?? [])].sort()).toEqual([0, 2]);
    expect([...(p.verdicts.get(sampleKey('half', 1))?.keys() ?? [])]).toEqual([0]);
    expect(p.verdicts.has(sampleKey('done', 0))).toBe(false);
  });

  test('a torn last line of samples.jsonl is dropped by loadProgress', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.close();
    const whole = JSON.stringify(graded('b', [item]));
    await writeFile(store.samplesPath, (await readFile(store.samplesPath, 'utf8')) + whole.slice(0, 40));
    const p = await store.loadProgress();
    expect(p.tornLines).toBe(1);
    expect([...p.done.keys()]).toEqual([sampleKey('a', 0)]);
  });

  test('a torn last line of journal.jsonl is dropped by loadProgress', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendJournal(completion('a'));
    store.close();
    await writeFile(store.journalPath, (await readFile(store.journalPath, 'utf8')) + JSON.stringify(verdict('a', 3)).slice(0, 25));
    const p = await store.loadProgress();
    expect(p.tornLines).toBe(1);
    expect(p.completions.has(sampleKey('a', 0))).toBe(true);
    expect(p.verdicts.size).toBe(0);
  });

  test('open cuts a torn last line off both files, so the next record starts on its own line and every line parses', async () => {
    const first = new RunStore(dir);
    await first.open();
    first.appendSample(graded('a', [item]));
    first.appendJournal(completion('a'));
    first.close();
    await writeFile(first.samplesPath, `${await readFile(first.samplesPath, 'utf8')}{"task":"healthbench","exampleId":"b"`);
    await writeFile(first.journalPath, `${await readFile(first.journalPath, 'utf8')}{"t":"verdict","exampl`);

    const resumed = new RunStore(dir);
    expect((await resumed.loadProgress()).tornLines).toBe(2);
    await resumed.open();
    resumed.appendSample(graded('c', [item]));
    resumed.appendJournal(completion('d'));
    resumed.close();

    const lines = (await readFile(resumed.samplesPath, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ exampleId: 'a' });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ exampleId: 'c' });
    const journal = (await readFile(resumed.journalPath, 'utf8')).split('\n').filter(Boolean);
    expect(journal.map((l) => (JSON.parse(l) as JournalEntry).exampleId)).toEqual(['a', 'd']);
    const p = await resumed.loadProgress();
    expect(p.tornLines).toBe(0);
    expect([...p.done.keys()].sort()).toEqual([sampleKey('a', 0), sampleKey('c', 0)].sort());
    expect(p.completions.has(sampleKey('d', 0))).toBe(true);
  });

  test('open on a file that is one torn line (no newline at all) empties it', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.close();
    await writeFile(store.samplesPath, '{"task":"healthbench","exa');
    await store.open();
    store.appendSample(graded('a', [item]));
    store.close();
    expect((await readFile(store.samplesPath, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('open finds the last newline even when the torn record is longer than its read chunk', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.close();
    const before = await readFile(store.samplesPath, 'utf8');
    await writeFile(store.samplesPath, `${before}{"task":"healthbench","response":"${'x'.repeat(200_000)}`);
    await store.open();
    store.close();
    expect(await readFile(store.samplesPath, 'utf8')).toBe(before);
  });

  test('open on intact files adds nothing', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.close();
    const before = await readFile(store.samplesPath, 'utf8');
    await store.open();
    store.close();
    expect(await readFile(store.samplesPath, 'utf8')).toBe(before);
  });

  test('writeRunJson replaces run.json atomically and leaves no temporary file', async () => {
    const store = new RunStore(dir);
    await store.open();
    await store.writeRunJson({ status: 'running', n: 1 });
    await store.writeRunJson({ status: 'finished', n: 2 });
    store.writeRunJsonSync({ status: 'cancelled', n: 3 });
    store.close();
    expect(await store.readRunJson()).toEqual({ status: 'cancelled', n: 3 });
    expect((await readdir(dir)).sort()).toEqual(['journal.jsonl', 'run.json', 'samples.jsonl']);
    expect(await readFile(store.runJsonPath, 'utf8')).toMatch(/\n$/);
  });

  test('a sample watcher gets each appended line as written, and knows whether it sees the whole file', async () => {
    const store = new RunStore(dir);
    await store.open();
    const seen: string[] = [];
    expect(store.watchSamples((line) => seen.push(line))).toBe(true);
    store.appendSample(graded('a', [item]));
    store.appendJournal(completion('a'));
    store.appendSample(graded('b', [item]));
    // A watcher added after the first record misses it.
    expect(store.watchSamples(() => undefined)).toBe(false);
    store.close();
    expect(seen.map((l) => `${l}\n`).join('')).toBe(await readFile(store.samplesPath, 'utf8'));

    const resumed = new RunStore(dir);
    await resumed.open();
    expect(resumed.watchSamples(() => undefined)).toBe(false);
    resumed.close();
  });

  test('the digests kept while appending are the sha256 of the files, only for files written whole', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.appendJournal(completion('a'));
    store.appendSample(graded('b\u00e9', [item]));
    store.closeFiles();
    const digests = store.appendedDigests();
    store.close();
    for (const name of ['samples.jsonl', 'journal.jsonl']) {
      expect(digests.get(name)).toEqual(await sha256OfFile(join(dir, name)));
    }

    const resumed = new RunStore(dir);
    await resumed.open();
    resumed.appendSample(graded('c', [item]));
    resumed.closeFiles();
    expect(resumed.appendedDigests().size).toBe(0);
    resumed.close();
  });

  test('readRunJson is null when there is no run.json', async () => {
    expect(await new RunStore(dir).readRunJson()).toBeNull();
  });
});

describe('writeFileAtomic', () => {
  test('writes the content and leaves only the target file', async () => {
    const target = join(dir, '..', 'report.json');
    await writeFileAtomic(target, '{"a":1}');
    await writeFileAtomic(target, '{"a":2}');
    writeFileAtomicSync(join(dir, '..', 'report.md'), '# r');
    expect(await readFile(target, 'utf8')).toBe('{"a":2}');
    expect((await readdir(join(dir, '..'))).sort()).toEqual(['report.json', 'report.md']);
  });

  test('writes content given in pieces as their concatenation', async () => {
    const target = join(dir, '..', 'report.html');
    await writeFileAtomic(target, ['<p>', 'é…', '', '</p>\n']);
    expect(await readFile(target, 'utf8')).toBe('<p>é…</p>\n');
  });
});

describe('writeManifest', () => {
  test('uses a digest the caller kept only while the file has that size, and hashes the file otherwise', async () => {
    const store = new RunStore(dir);
    await store.open();
    store.appendSample(graded('a', [item]));
    store.close();
    const real = await sha256OfFile(store.samplesPath);
    const kept = new Map([['samples.jsonl', { sha256: 'f'.repeat(64), bytes: real.bytes }]]);
    // Same size: the caller's digest is trusted (it saw every byte written).
    expect((await writeManifest(dir, new Date(0), kept)).files['samples.jsonl']).toEqual(kept.get('samples.jsonl'));
    // Another size: the file changed since, and is hashed from disk.
    const stale = new Map([['samples.jsonl', { sha256: 'f'.repeat(64), bytes: real.bytes + 1 }]]);
    expect((await writeManifest(dir, new Date(0), stale)).files['samples.jsonl']).toEqual(real);
    expect((await writeManifest(dir, new Date(0))).files['samples.jsonl']).toEqual(real);
  });

  test('hashes a small file from one read and a large one streamed, to the same digest', async () => {
    const big = join(dir, '..', 'big.bin');
    const data = Buffer.alloc(16 * 1024 * 1024 + 3, 7);
    await writeFile(big, data);
    const expected = { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
    expect(await sha256OfFile(big)).toEqual(expected);
    await writeFile(big, data.subarray(0, 1000));
    expect(await sha256OfFile(big)).toEqual({ sha256: createHash('sha256').update(data.subarray(0, 1000)).digest('hex'), bytes: 1000 });
  });
});
