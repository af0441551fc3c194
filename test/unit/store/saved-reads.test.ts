import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DataValidationError } from '../../../src/core/errors.js';
import type { RunRecord } from '../../../src/core/records.js';
import { readRunRecord, readSamples, readSavedReport, readSelection } from '../../../src/store/read-run.js';
import { repairRun } from '../../../src/store/repair.js';
import { CorruptRunFileError } from '../../../src/store/run-file.js';
import { loadReport } from '../../../src/compare/load-run.js';
import { readRecordedRun } from '../../../src/runner/recorded-run.js';
import { RunStore } from '../../../src/store/run-store.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-saved-reads-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FIXTURE = new URL('../../fixtures/runs/base/', import.meta.url).pathname;

const params = { temperature: 0, maxTokens: null, systemPrompt: null, reasoningEffort: null };

const run: RunRecord = {
  formatVersion: 1,
  runId: 'r1',
  status: 'completed',
  tool: { name: 'healthbench', version: '0.0.0' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:00.000Z',
  attempts: 1,
  testDouble: true,
  config: {
    task: 'healthbench',
    dataset: { name: 'demo', sha256: 'd', officialSha256: 'n/a', limit: null, count: 1 },
    model: { spec: 'openai:m', params },
    graders: [{ spec: 'openai:g', params, templateSha256: 't', officialTemplate: true }],
    graderAttempts: 3,
    taskSettings: {},
    seed: 0,
    repeats: 1,
  },
  progress: null,
  error: null,
};

const sample = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    task: 'healthbench',
    exampleId: id,
    repeat: 0,
    criteria: [],
    score: 0.5,
    metrics: null,
    detail: null,
    usage: {},
    error: null,
    ...extra,
  });

async function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

describe('run.json is read through its schema', () => {
  test('a valid run.json reads back as written', async () => {
    const path = join(dir, 'run.json');
    await writeFile(path, JSON.stringify(run, null, 2));
    expect(await readRunRecord(path)).toEqual(run);
    expect(await new RunStore(dir).readRunRecord()).toEqual(run);
  });

  test('a field of the wrong type is a located error naming the file, the line and the pointer (exit 2)', async () => {
    const path = join(dir, 'run.json');
    await writeFile(path, JSON.stringify({ ...run, attempts: 'two' }, null, 2));
    const err = await rejection(readRunRecord(path));
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as DataValidationError).exitCode).toBe(2);
    const line = (await readFile(path, 'utf8')).split('\n').findIndex((l) => l.includes('"attempts"')) + 1;
    expect(err.message).toContain(`${path}:${line} /attempts: must be integer`);
  });

  test('a nested field and a missing field are named by their pointers', async () => {
    const path = join(dir, 'run.json');
    const { progress: _progress, ...withoutProgress } = run;
    await writeFile(path, JSON.stringify({ ...withoutProgress, config: { ...run.config, seed: -1 } }, null, 2));
    const err = await rejection(readRunRecord(path));
    expect(err.message).toMatch(/run\.json:\d+ \/config\/seed: must be >= 0/);
    expect(err.message).toMatch(/run\.json:\d+ \/progress: missing required field 'progress'/);
  });

  test('a run.json that is not JSON says so; the run store reads none as null', async () => {
    expect(await new RunStore(dir).readRunRecord()).toBeNull();
    await writeFile(join(dir, 'run.json'), '{"formatVersion": 1, "config": ');
    const err = await rejection(new RunStore(dir).readRunRecord());
    expect(err).toBeInstanceOf(DataValidationError);
    expect(err.message).toContain(`${join(dir, 'run.json')} /: not valid JSON`);
  });
});

describe('report.json and selection.json are read through their schemas', () => {
  test('the fixture report reads; a figure of the wrong type is located by its pointer', async () => {
    const report = JSON.parse(await readFile(join(FIXTURE, 'report.json'), 'utf8')) as Record<string, unknown>;
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(report, null, 2));
    expect((await readSavedReport(good)).runId).toBe(report['runId']);
    const bad = join(dir, 'report.json');
    await writeFile(bad, JSON.stringify({ ...report, overall: { ...(report['overall'] as object), n: 'ten' } }, null, 2));
    const err = await rejection(readSavedReport(bad));
    expect(err).toBeInstanceOf(DataValidationError);
    expect(err.message).toMatch(/report\.json:\d+ \/overall\/n: must be integer/);
  });

  test('a meta-evaluation report needs its meta section, a scored one its overall', async () => {
    const path = join(dir, 'report.json');
    const head = {
      formatVersion: 1,
      runId: 'm',
      createdAt: 'x',
      tool: { name: 'healthbench', version: '0' },
      dataset: { name: 'd', sha256: 's', officialSha256: 'unknown', count: 1 },
      grader: null,
      seed: 0,
      testDouble: true,
      errors: [],
    };
    await writeFile(path, JSON.stringify({ ...head, task: 'meta' }));
    expect((await rejection(readSavedReport(path))).message).toContain("/meta: missing required field 'meta'");
    await writeFile(path, JSON.stringify({ ...head, task: 'meta', meta: {} }));
    expect((await readSavedReport(path)).task).toBe('meta');
    await writeFile(path, JSON.stringify({ ...head, task: 'medcalc', meta: {} }));
    expect((await rejection(readSavedReport(path))).message).toContain("/overall: missing required field 'overall'");
  });

  test('selection.json', async () => {
    const path = join(dir, 'selection.json');
    await writeFile(path, JSON.stringify({ formatVersion: 1, count: 2, exampleIds: ['a', 'b'] }));
    expect(await readSelection(path)).toEqual({ formatVersion: 1, count: 2, exampleIds: ['a', 'b'] });
    await writeFile(path, JSON.stringify({ formatVersion: 1, count: 2, exampleIds: ['a', 2] }));
    expect((await rejection(readSelection(path))).message).toContain('/exampleIds/1: must be string');
  });
});

describe('samples.jsonl lines are checked against the sample schema', () => {
  test('every fixture sample is valid', async () => {
    const samples = await readSamples(FIXTURE);
    expect(samples.length).toBeGreaterThan(0);
  });

  test('a record with a field of the wrong type is a corrupt line named by line and pointer, and repair drops it', async () => {
    await writeFile(join(dir, 'samples.jsonl'), `${sample('a')}\n${sample('b', { score: 'high' })}\n${sample('c')}\n`);
    const err = await rejection(readSamples(dir));
    expect(err).toBeInstanceOf(CorruptRunFileError);
    expect(err.message).toContain(`${join(dir, 'samples.jsonl')}:2 /score: corrupt record (must be number,null)`);
    expect(err.message).toContain(`healthbench repair ${dir}`);
    const repaired = await repairRun(dir);
    expect(repaired.dropped).toEqual([
      expect.objectContaining({ file: 'samples.jsonl', line: 2, exampleId: 'b', problem: '/score: must be number,null' }),
    ]);
    expect((await readSamples(dir)).map((s) => s.exampleId)).toEqual(['a', 'c']);
  });

  test('a criterion without its verdict field is located inside the record', async () => {
    await writeFile(join(dir, 'samples.jsonl'), `${sample('a', { criteria: [{ text: 't', points: 1 }] })}\n${sample('b')}\n`);
    expect((await rejection(readSamples(dir))).message).toContain(":1 /criteria/0/met: corrupt record (missing required field 'met')");
  });
});

describe('the commands read saved files through the same path', () => {
  test('merge and verify (readRecordedRun): a wrong type in run.json is a located error, not a cast', async () => {
    for (const name of ['report.json', 'samples.jsonl']) await writeFile(join(dir, name), await readFile(join(FIXTURE, name), 'utf8'));
    await writeFile(join(dir, 'selection.json'), JSON.stringify({ formatVersion: 1, count: 1, exampleIds: ['p01'] }));
    await writeFile(join(dir, 'run.json'), JSON.stringify({ ...run, status: 'done' }, null, 2));
    const err = await rejection(readRecordedRun(dir));
    expect(err).toBeInstanceOf(DataValidationError);
    expect(err.message).toMatch(/run\.json:\d+ \/status: must be one of: running, completed, cancelled, failed/);
  });

  test('diff and gate (loadReport): a damaged report is located; a meta-evaluation report is refused at /task', async () => {
    const report = JSON.parse(await readFile(join(FIXTURE, 'report.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'report.json'), JSON.stringify({ ...report, seed: 'zero' }, null, 2));
    expect((await rejection(loadReport(dir, dir))).message).toMatch(/report\.json:\d+ \/seed: must be integer/);
    const head = { formatVersion: 1, runId: 'm', createdAt: 'x', task: 'meta', tool: { name: 'healthbench', version: '0' }, meta: {} };
    const dataset = { name: 'd', sha256: 's', officialSha256: 'unknown', count: 1 };
    await writeFile(join(dir, 'report.json'), JSON.stringify({ ...head, dataset, grader: null, seed: 0, testDouble: true, errors: [] }));
    expect((await rejection(loadReport(dir, dir))).message).toContain('report.json /task: a meta-evaluation report measures a grader');
  });
});
