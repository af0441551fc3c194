import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { SampleRecord } from '../../src/core/types.js';
import type { AgreementReport } from '../../src/compare/agreement.js';
import { RUN_A, RUN_B } from '../unit/compare/agreement-fixture.js';

let tmp: string;

async function writeRun(name: string, samples: SampleRecord[], mode: string | null): Promise<void> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'samples.jsonl'), samples.map((s) => `${JSON.stringify(s)}\n`).join(''));
  if (mode) await writeFile(join(dir, 'report.json'), JSON.stringify({ runId: `run-${name}`, grader: { spec: 'openai:g', mode } }));
}

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-agree-'));
  await writeRun('a', RUN_A, 'per-criterion');
  await writeRun('b', RUN_B, null);
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd: tmp, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('healthbench agreement', () => {
  test('prints the Markdown tables and writes agreement.json and agreement.md with --out (exit 0)', async () => {
    const r = await run(['agreement', 'a', 'b', '--out', 'cmp']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('## healthbench agreement: `run-a` (openai:g, per-criterion) vs `b`');
    expect(r.out).toContain('| overall | 10 | 70.0% | 0.400 |');
    expect(await readFile(join(tmp, 'cmp', 'agreement.md'), 'utf8')).toBe(r.out);
    const json = JSON.parse(await readFile(join(tmp, 'cmp', 'agreement.json'), 'utf8')) as AgreementReport;
    expect(json.overall.kappa).toBeCloseTo(0.4, 12);
    expect((await readdir(join(tmp, 'cmp'))).sort()).toEqual(['agreement.json', 'agreement.md']);
  });

  test('--json prints agreement.json; a report.json path works as well as a directory', async () => {
    const r = await run(['agreement', 'a/report.json', 'b', '--json', '--disagreements', '1']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as AgreementReport;
    expect(json.formatVersion).toBe(1);
    expect(json.byAxis['accuracy']?.kappa).toBeCloseTo(0.5, 12);
    expect(json.disagreements).toHaveLength(1);
  });

  test('runs with no response in common are refused with a hint (exit 2)', async () => {
    await writeRun(
      'c',
      RUN_B.map((s) => ({ ...s, response: `${s.response ?? ''} (resampled)` })),
      null,
    );
    const r = await run(['agreement', 'a', 'c']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('nothing to compare');
    expect(r.err).toContain('--cache');
  });

  test('wrong arguments and a directory without samples are usage errors (exit 2)', async () => {
    expect((await run(['agreement', 'a'])).code).toBe(2);
    expect((await run(['agreement', 'a', 'b', '--disagreements', '-1'])).code).toBe(2);
    await mkdir(join(tmp, 'empty'));
    const r = await run(['agreement', 'a', 'empty']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no samples.jsonl');
  });

  test('is listed in the top-level help', async () => {
    const r = await run(['--help']);
    expect(r.out).toMatch(/agreement\s+verdict agreement and Cohen's kappa between two runs/);
  });
});
