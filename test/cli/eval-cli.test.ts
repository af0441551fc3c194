import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/cli-io.js';

const ROOT = new URL('../..', import.meta.url).pathname;

const capture = (env: Record<string, string> = {}) => captureIo({ env, cwd: ROOT });

describe('healthbench eval (CLI, in-process)', () => {
  it('--dry-run – prints calls, tokens and cost without a key, calls nothing and writes nothing', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hb-cli-')), 'out');
    const c = capture();
    const code = await main(['eval', '--dataset', 'demo', '--model', 'openai:gpt-4.1-mini', '--dry-run', '--out', dir], c.io);
    expect(code).toBe(0);
    expect(c.out()).toMatch(/candidate openai:gpt-4\.1-mini: 30 calls/);
    expect(c.out()).toMatch(/grader openai:gpt-4\.1-2025-04-14: \d+ calls/);
    expect(c.out()).toMatch(/total: [\d,]+ calls, \$\d+\.\d\d/);
    expect(existsSync(dir)).toBe(false);
  });

  it('--fake-server --json – stdout is exactly report.json; logs never reach stdout', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hb-cli-')), 'out');
    const c = capture();
    const code = await main(
      ['eval', '--dataset', 'demo', '--limit', '4', '--model', 'openai:m', '--fake-server', '--json', '--log-level', 'debug', '--out', dir],
      c.io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(c.out())).toEqual(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')));
    expect((await readdir(dir)).sort()).toEqual([
      'journal.jsonl',
      'manifest.json',
      'report.html',
      'report.json',
      'report.md',
      'run.json',
      'samples.jsonl',
      'selection.json',
    ]);
  });

  it('--gate – a failing policy exits 1 and writes gate.json; a passing one exits 0', async () => {
    const base = await mkdtemp(join(tmpdir(), 'hb-cli-'));
    const policy = join(base, 'p.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(policy, JSON.stringify({ minOverall: 0.99 })));
    const c = capture();
    const code = await main(
      ['eval', '--dataset', 'demo', '--limit', '3', '--model', 'openai:m', '--fake-server', '--gate', policy, '--out', join(base, 'a')],
      c.io,
    );
    expect(code).toBe(1);
    expect(c.out()).toContain('gate: FAILED');
    expect(existsSync(join(base, 'a', 'gate.json'))).toBe(true);
    await import('node:fs/promises').then((fs) => fs.writeFile(policy, JSON.stringify({ minOverall: 0 })));
    const ok = await main(
      ['eval', '--dataset', 'demo', '--limit', '3', '--model', 'openai:m', '--fake-server', '--gate', policy, '--out', join(base, 'b')],
      capture().io,
    );
    expect(ok).toBe(0);
  });

  it('--gate with a broken policy – exit 2 with the location, before any call or file', async () => {
    const base = await mkdtemp(join(tmpdir(), 'hb-cli-'));
    const policy = join(base, 'p.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(policy, 'minOverall: high\n'));
    const c = capture();
    const code = await main(
      ['eval', '--dataset', 'demo', '--model', 'openai:m', '--fake-server', '--gate', policy, '--out', join(base, 'x')],
      c.io,
    );
    expect(code).toBe(2);
    expect(c.err()).toMatch(/p\.yaml:1 \/minOverall: /);
    expect(existsSync(join(base, 'x'))).toBe(false);
  });

  it('--help – lists every command; unknown commands and flags are usage errors', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    for (const cmd of ['eval', 'validate', 'diff', 'gate', 'meta-eval', 'fake-server']) expect(c.out()).toContain(cmd);
    expect(await main(['frobnicate'], capture().io)).toBe(2);
    const bad = capture();
    expect(await main(['eval', '--no-such-flag'], bad.io)).toBe(2);
    expect(bad.err()).toContain('no-such-flag');
  });

  it('validate – MedCalc CSV and meta-eval files are checked too, every problem located, exit 2', async () => {
    const c = capture();
    const code = await main(
      ['validate', 'test/fixtures/medcalc/small.csv', 'test/fixtures/meta/meta-small.jsonl', 'test/fixtures/medcalc/bad.csv'],
      c.io,
    );
    expect(code).toBe(2);
    expect(c.out()).toContain('ok test/fixtures/medcalc/small.csv (medcalc, 17 records)');
    expect(c.out()).toContain('ok test/fixtures/meta/meta-small.jsonl (meta, 12 records)');
    expect(c.err()).toContain('test/fixtures/medcalc/bad.csv:5 /Category: ');
    expect(c.err()).toContain('test/fixtures/medcalc/bad.csv:7 /: expected 14 fields, got 10');
  });
});
