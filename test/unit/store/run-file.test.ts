import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkJournalLine } from '../../../src/store/record-checks.js';
import { CorruptRunFileError, readRunFile } from '../../../src/store/run-file.js';
import { repairRun } from '../../../src/store/repair.js';
import { responseDigest } from '../../../src/store/run-store.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-run-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const completion = (id: string): string => JSON.stringify({ t: 'completion', exampleId: id, repeat: 0, response: `r-${id}`, usage: {} });
const verdict = (id: string, i: number): string =>
  JSON.stringify({
    t: 'verdict',
    exampleId: id,
    repeat: 0,
    i,
    r: responseDigest(`r-${id}`),
    met: true,
    explanation: '',
    attempts: 1,
    usage: {},
  });

async function collect(path: string): Promise<{ values: unknown[]; torn: number[] }> {
  const values: unknown[] = [];
  const torn: number[] = [];
  for await (const { value } of readRunFile(path, checkJournalLine, (l) => torn.push(l))) values.push(value);
  return { values, torn };
}

describe('readRunFile', () => {
  test('a bad last line is torn (reported, skipped); a bad line before it is a located error with the repair command', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `${completion('a')}\n${verdict('a', 0)}\n{"t":"verd`);
    expect(await collect(path)).toMatchObject({ torn: [3] });
    await writeFile(path, `${completion('a')}\n{"t":"verd\n${verdict('a', 0)}\n`);
    const err = await collect(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptRunFileError);
    expect((err as CorruptRunFileError).message).toContain(`${path}:2 /: corrupt record`);
    expect((err as CorruptRunFileError).message).toContain(`healthbench repair ${dir}`);
    expect((err as CorruptRunFileError).exitCode).toBe(2);
  });

  test('JSON that is not a record of the file is damage too; entry types of other features are left alone', async () => {
    const path = join(dir, 'journal.jsonl');
    await writeFile(path, `null\n${completion('a')}\n`);
    await expect(collect(path)).rejects.toThrow(/:1 \/: corrupt record \(not a JSON object\)/);
    await writeFile(path, `{"t":"verdict","exampleId":"a","repeat":0}\n${completion('a')}\n`);
    await expect(collect(path)).rejects.toThrow(/verdict without an index or met/);
    await writeFile(path, `{"t":"batch-job","id":"b1"}\n${completion('a')}\n`);
    expect((await collect(path)).values).toHaveLength(2);
  });
});

describe('repairRun', () => {
  test('drops every damaged line (torn last one included), keeps whole lines byte for byte, names the samples', async () => {
    await writeFile(join(dir, 'run.json'), JSON.stringify({ status: 'completed' }));
    const good = `{"task":"healthbench","exampleId":"x","repeat":0,"criteria":[],"usage":{},"error":null}`;
    await writeFile(join(dir, 'samples.jsonl'), `${good}\n{"task":"healthbench","exampleId":"y","repeat":1,"crit\n${good}\n{"exa`);
    await writeFile(join(dir, 'journal.jsonl'), `${completion('a')}\n`);
    const result = await repairRun(dir);
    expect(result.dropped).toEqual([
      expect.objectContaining({ file: 'samples.jsonl', line: 2, exampleId: 'y', repeat: 1 }),
      expect.objectContaining({ file: 'samples.jsonl', line: 4, exampleId: null }),
    ]);
    expect(await readFile(join(dir, 'samples.jsonl'), 'utf8')).toBe(`${good}\n${good}\n`);
    expect(await readFile(join(dir, 'journal.jsonl'), 'utf8')).toBe(`${completion('a')}\n`);
    // A completed run that lost sample lines is no longer complete.
    expect(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'))).toMatchObject({ status: 'failed' });
    expect((await repairRun(dir)).dropped).toEqual([]);
  });

  test('refuses a directory that is not a run', async () => {
    await expect(repairRun(dir)).rejects.toThrow(/not.*run directory|no run.json/);
  });
});
