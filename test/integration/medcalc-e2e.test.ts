import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';
import type { SampleRecord } from '../../src/core/types.js';
import type { Report } from '../../src/report/types.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
let fake: FakeProvider;
let dir: string;
let csvPath: string;
let expectedCorrect: Set<string>;
let forcedRows: Array<Record<string, string>>;

async function writeCsv(path: string, rows: Array<Record<string, string>>): Promise<void> {
  const quote = (v: string): string => `"${v.replace(/"/g, '""')}"`;
  const header = Object.keys(rows[0] ?? {});
  await writeFile(path, `${[header, ...rows.map((r) => header.map((h) => r[h] ?? ''))].map((f) => f.map(quote).join(',')).join('\n')}\n`);
}

beforeAll(async () => {
  fake = await startFakeProvider({ seed: 11 });
  dir = await mkdtemp(join(tmpdir(), 'hb-medcalc-'));
  // The fake answers a row with the text of a `FAKE_ANSWER:` line in the note: the ground truth for even
  // rows (must be scored correct), a wrong value for odd rows (must be scored incorrect).
  const rows = parse<Record<string, string>>(await readFile(join(ROOT, 'test/fixtures/medcalc/small.csv')), { columns: true });
  expectedCorrect = new Set();
  rows.forEach((r, i) => {
    const gt = r['Ground Truth Answer'] ?? '';
    const tuple = /\('(\d+) weeks?', '(\d+) days?'\)/.exec(gt);
    const right = tuple ? `(${tuple[1]} weeks, ${tuple[2]} days)` : gt;
    const answer = i % 2 === 0 ? right : r['Category'] === 'date' && !tuple ? '01/01/1900' : '99999';
    if (i % 2 === 0) expectedCorrect.add(`row-${r['Row Number']}`);
    r['Patient Note'] = `${r['Patient Note']}\nFAKE_ANSWER: ${answer}`;
  });
  csvPath = join(dir, 'small-forced.csv');
  forcedRows = rows;
  await writeCsv(csvPath, rows);
});
afterAll(async () => fake.close());

const io = () => captureIo({ env: { OPENAI_API_KEY: 'k' }, cwd: ROOT });

describe('healthbench eval --dataset <medcalc csv>', () => {
  it('runs every row through the real SDK, scores exactly by the reference rules, no grader calls', async () => {
    fake.resetStats();
    const out = join(dir, 'run');
    const c = io();
    const code = await main(['eval', '--dataset', csvPath, '--model', 'openai:calc', '--base-url', fake.openaiBaseUrl, '--out', out], c.io);
    expect(code, c.err()).toBe(0);
    expect(fake.stats().byKind['medcalc']).toBe(17);
    expect(fake.stats().byKind['grader'] ?? 0).toBe(0);
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SampleRecord);
    const correct = new Set(samples.filter((s) => s.detail?.['correct'] === true).map((s) => s.exampleId));
    expect(correct).toEqual(expectedCorrect);
    for (const s of samples) {
      expect(s.response).toContain('"answer"');
      expect(s.detail).toEqual(
        expect.objectContaining({ groundTruth: expect.any(String), lowerLimit: expect.any(String), upperLimit: expect.any(String) }),
      );
    }
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(report.task).toBe('medcalc');
    expect(report.overall.n).toBe(17);
    expect(report.overall.score).toBeCloseTo(expectedCorrect.size / 17, 15);
    const counts = Object.fromEntries(Object.entries(report.byGroup['category'] ?? {}).map(([k, g]) => [k, g.n]));
    expect(counts).toEqual({ lab: 3, risk: 2, physical: 2, severity: 3, diagnosis: 2, date: 3, dosage: 2 });
    expect(report.metrics['accuracy:n_samples']).toBe(17);
    expect(report.grader).toBeNull();
    expect(report.notes.join(' ')).toContain('zero_shot');
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## By category');
    expect(md).toContain('## Worst calculators');
  });

  it('--medcalc-compat v1.0 and --prompt-style direct_answer are recorded and change the run identity', async () => {
    const out = join(dir, 'compat');
    const code = await main(
      [
        'eval',
        '--dataset',
        csvPath,
        '--model',
        'openai:calc',
        '--base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
        '--medcalc-compat',
        'v1.0',
        '--prompt-style',
        'direct_answer',
        '--limit',
        '5',
      ],
      io().io,
    );
    expect(code).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { config: { taskSettings: Record<string, unknown> } };
    expect(run.config.taskSettings).toEqual(expect.objectContaining({ compat: 'v1.0', promptStyle: 'direct_answer' }));
    const c = io();
    const again = await main(
      ['eval', '--dataset', csvPath, '--model', 'openai:calc', '--base-url', fake.openaiBaseUrl, '--out', out, '--limit', '5'],
      c.io,
    );
    expect(again).toBe(2);
    expect(c.err()).toContain('taskSettings.compat');
  });

  it('--prompt-style one_shot puts the calculator exemplar in the system message; a missing exemplar is exit 2 before any call', async () => {
    fake.resetStats();
    const c = io();
    const missing = await main(
      [
        'eval',
        '--dataset',
        csvPath,
        '--model',
        'openai:calc',
        '--base-url',
        fake.openaiBaseUrl,
        '--out',
        join(dir, 'one-shot-missing'),
        '--prompt-style',
        'one_shot',
        '--exemplars',
        'test/fixtures/medcalc/exemplars-small.json',
      ],
      c.io,
    );
    expect(missing).toBe(2);
    expect(c.err()).toMatch(/no exemplar|has none for calculator/);
    expect(fake.stats().total).toBe(0);
    // Only the rows whose calculators the small exemplar file covers (IDs 3, 4, 13, 69).
    const keep = forcedRows.filter((r) => ['3', '4', '13', '69'].includes(r['Calculator ID'] ?? ''));
    const subset = join(dir, 'one-shot.csv');
    await writeCsv(subset, keep);
    const out = join(dir, 'one-shot');
    const ok = await main(
      [
        'eval',
        '--dataset',
        subset,
        '--model',
        'openai:calc',
        '--base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
        '--prompt-style',
        'one_shot',
        '--exemplars',
        'test/fixtures/medcalc/exemplars-small.json',
      ],
      io().io,
    );
    expect(ok).toBe(0);
    const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SampleRecord);
    expect(samples.length).toBe(keep.length);
    expect(keep.length).toBeGreaterThanOrEqual(3);
    for (const s of samples) {
      expect(s.messagesSent).toHaveLength(2);
      expect(s.messagesSent[0]?.role).toBe('system');
      expect(s.messagesSent[0]?.content).toContain('step_by_step_thinking');
    }
  });

  it('--labels applies the physician-corrected labels and the report says how many rows changed', async () => {
    const out = join(dir, 'labels');
    const code = await main(
      [
        'eval',
        '--dataset',
        'test/fixtures/medcalc/small.csv',
        '--labels',
        'test/fixtures/medcalc/small-corrected.csv',
        '--model',
        'openai:calc',
        '--base-url',
        fake.openaiBaseUrl,
        '--out',
        out,
      ],
      io().io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report & {
      medcalc: { labels: { changed: number; naLabels: number } };
    };
    expect(report.overall.n).toBe(6);
    expect(report.medcalc.labels.changed).toBeGreaterThan(0);
    expect(report.notes.join(' ')).toMatch(/Labels: physician-corrected .* rows changed/);
  });
});
