import { mkdtemp, readFile, readdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import type { RunDiff } from '../../src/compare/index.js';
import type { GateResult } from '../../src/gate/index.js';
import { assertWellFormedXml } from '../unit/gate/xml.js';

const RUNS = fileURLToPath(new URL('../fixtures/runs/', import.meta.url));

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(cwd: string): Captured {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd, isTTY: false },
    out: () => out,
    err: () => err,
  };
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hb-gate-'));
  // Copies, so gate.json written next to a report never lands in the repository's fixtures.
  await cp(RUNS, join(tmp, 'runs'), { recursive: true });
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<Captured & { code: number }> {
  const c = capture(tmp);
  const code = await main(argv, c.io);
  return { ...c, code };
}

const POLICY = [
  'minOverall: 0.45',
  'minByTheme:',
  '  emergency_referrals: 0.5',
  'maxErrorRate: 0.1',
  'maxDrop:',
  '  overall: 0.05',
  '  requireSignificant: true',
].join('\n');

describe('healthbench diff', () => {
  test('prints the Markdown table and writes diff.json and diff.md into --out (exit 0)', async () => {
    const r = await run(['diff', 'runs/base', 'runs/head', '--out', 'out', '--seed', '3']);
    expect(r.code).toBe(0);
    expect(r.out()).toContain('## healthbench diff: `fixture-base` → `fixture-head`');
    // Scores cover the paired samples only: p11 failed in head, p12 and p13 are one-sided.
    expect(r.out()).toMatch(/^\| overall \| 0\.7600 \| 0\.7600 \| 0\.0000 \| \[-0\.0800, \+0\.0800\] \| 10 \| {2}\|$/m);
    const md = await readFile(join(tmp, 'out', 'diff.md'), 'utf8');
    expect(md).toBe(r.out());
    const diff = JSON.parse(await readFile(join(tmp, 'out', 'diff.json'), 'utf8')) as RunDiff;
    expect(diff.seed).toBe(3);
    expect(diff.groups.map((g) => g.group)).toContain('theme:emergency_referrals');
    // No temporary files are left behind by the atomic writes.
    expect((await readdir(join(tmp, 'out'))).sort()).toEqual(['diff.html', 'diff.json', 'diff.md']);
  });

  test('counts and shows examples missing from one side and failed samples', async () => {
    const r = await run(['diff', 'runs/base', 'runs/head', '--json']);
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.out()) as RunDiff;
    expect(diff.onlyInBase).toEqual([{ exampleId: 'p12', repeats: [0] }]);
    expect(diff.onlyInHead).toEqual([{ exampleId: 'p13', repeats: [0] }]);
    expect(diff.pairs.excludedErrors).toEqual({ base: 0, head: 1, total: 1 });
    expect(diff.pairs.paired).toBe(10);
    const md = (await run(['diff', 'runs/base', 'runs/head'])).out();
    expect(md).toContain('- only in base (1): `p12` (repeat 0)');
    expect(md).toContain('- only in head (1): `p13` (repeat 0)');
    expect(md).toContain('- left out because a side failed: 1 (base errors 0, head errors 1)');
  });

  test('noise is not a regression: --fail-on-regression exits 0', async () => {
    const r = await run(['diff', 'runs/base/report.json', 'runs/head/report.json', '--fail-on-regression']);
    expect(r.code).toBe(0);
    expect(r.out()).not.toContain('▼ drop');
  });

  test('a significant drop exits 1 with --fail-on-regression and lists the flipped criteria', async () => {
    const r = await run(['diff', 'runs/base', 'runs/head-regressed', '--fail-on-regression']);
    expect(r.code).toBe(1);
    expect(r.out()).toMatch(/^\| theme:emergency_referrals \| 0\.9000 \| 0\.3000 \| -0\.6000 \| .* \| 8 \| ▼ drop \|$/m);
    expect(r.out()).toContain('Advises the user to call emergency services or go to the emergency department now.: met → not met');
    // Without the flag the same diff is only reported.
    expect((await run(['diff', 'runs/base', 'runs/head-regressed'])).code).toBe(0);
  });

  test('refuses a grader change with exit 2 and says what differs', async () => {
    const r = await run(['diff', 'runs/base', 'runs/other-grader']);
    expect(r.code).toBe(2);
    expect(r.err()).toContain('are not comparable');
    expect(r.err()).toContain('grader differs: base openai:gpt-4.1-2025-04-14, head anthropic:claude-sonnet-4-20250514');
    expect(r.err()).toContain('grader template sha256 differs');
    expect(r.out()).toBe('');
  });

  test('--allow-grader-change compares anyway and warns', async () => {
    const r = await run(['diff', 'runs/base', 'runs/other-grader', '--allow-grader-change']);
    expect(r.code).toBe(0);
    expect(r.err()).toContain('warning: compared despite: grader differs');
    expect(r.out()).toContain('> **Warning:** compared despite: grader differs');
  });

  test('bad input exits 2: a missing run, an unknown flag, a wrong argument count', async () => {
    const missing = await run(['diff', 'runs/base', 'runs/nope']);
    expect(missing.code).toBe(2);
    expect(missing.err()).toContain('runs/nope: no such file or directory');
    const flag = await run(['diff', 'runs/base', 'runs/head', '--frobnicate']);
    expect(flag.code).toBe(2);
    expect(flag.err()).toBe('healthbench: unknown option --frobnicate. Run with --help for every option\n');
    expect((await run(['diff', 'runs/base'])).code).toBe(2);
    expect((await run(['diff', 'runs/base', 'runs/head', '--seed', 'x'])).code).toBe(2);
  });

  test('--help prints the usage and exits 0 for both commands', async () => {
    for (const cmd of ['diff', 'gate']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out()).toMatch(new RegExp(`^Usage: healthbench ${cmd} `));
    }
  });

  test('a report without its samples.jsonl exits 2 and says samples are needed', async () => {
    await rm(join(tmp, 'runs', 'head', 'samples.jsonl'));
    const r = await run(['diff', 'runs/base', 'runs/head']);
    expect(r.code).toBe(2);
    expect(r.err()).toContain('samples.jsonl: not found');
  });
});

describe('healthbench gate', () => {
  beforeEach(async () => {
    await writeFile(join(tmp, 'policy.yaml'), POLICY);
  });

  test('passes a good run: one line per rule, gate.json next to the report, exit 0', async () => {
    const r = await run(['gate', 'runs/head', '--policy', 'policy.yaml', '--baseline', 'runs/base']);
    expect(r.code).toBe(0);
    const lines = r.out().trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'PASS minOverall',
      'PASS minByTheme[emergency_referrals]',
      'PASS maxErrorRate',
      'PASS maxDrop.overall',
      'WARN 1',
      'WARN 1',
      'gate: PASSED',
    ]);
    expect(r.out()).toContain('WARN  1 sample(s) only in base and 1 only in head are left out of every group');
    expect(r.out()).toContain('WARN  1 pair(s) left out because the sample failed (base 0, head 1)');
    const saved = JSON.parse(await readFile(join(tmp, 'runs', 'head', 'gate.json'), 'utf8')) as GateResult;
    expect(saved.passed).toBe(true);
    expect(saved.rules).toHaveLength(4);
  });

  test('fails a regressed run with exit 1 and writes JUnit with one failing test case per failed rule', async () => {
    const r = await run([
      'gate',
      'runs/head-regressed/report.json',
      '--policy',
      'policy.yaml',
      '--baseline',
      'runs/base',
      '--junit',
      'ci/junit.xml',
      '--out',
      'gate-out',
    ]);
    expect(r.code).toBe(1);
    expect(r.out()).toMatch(/^FAIL {2}minByTheme\[emergency_referrals\] +0\.3000 >= 0\.5000/m);
    expect(r.out()).toMatch(/^FAIL {2}maxDrop\.overall .* and is significant/m);
    expect(r.out()).toMatch(/gate: FAILED \(3 of 4 rules failed\)\n$/);
    const xml = await readFile(join(tmp, 'ci', 'junit.xml'), 'utf8');
    const root = assertWellFormedXml(xml);
    expect(root.attrs).toMatchObject({ tests: '4', failures: '3' });
    const cases = root.children[0]?.children.filter((c) => c.name === 'testcase') ?? [];
    expect(cases.map((c) => [c.attrs['name'], c.children.some((x) => x.name === 'failure')])).toEqual([
      ['minOverall', true],
      ['minByTheme[emergency_referrals]', true],
      ['maxErrorRate', false],
      ['maxDrop.overall', true],
    ]);
    const saved = JSON.parse(await readFile(join(tmp, 'gate-out', 'gate.json'), 'utf8')) as GateResult;
    expect(saved.passed).toBe(false);
  });

  test('--json prints gate.json; without a baseline only report rules are checked', async () => {
    await writeFile(join(tmp, 'p.json'), JSON.stringify({ minOverall: 0.45, minByLanguage: { es: 0.5 } }));
    const r = await run(['gate', 'runs/base', '--policy', 'p.json', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out()) as GateResult;
    expect(result.rules.map((x) => [x.id, x.passed])).toEqual([
      ['minOverall', true],
      ['minByLanguage[es]', true],
    ]);
  });

  test('an invalid policy exits 2 with file:line /pointer messages', async () => {
    await writeFile(join(tmp, 'bad.yaml'), 'minOverall: 0.45\nmaxDrop:\n  overall: 2\n  typo: 1\n');
    const r = await run(['gate', 'runs/base', '--policy', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.err()).toContain('bad.yaml:3 /maxDrop/overall: must be <= 1');
    expect(r.err()).toContain("bad.yaml:4 /maxDrop/typo: unknown field 'typo'");
  });

  test('refuses a baseline graded by another grader with exit 2 unless --allow-grader-change', async () => {
    const refused = await run(['gate', 'runs/other-grader', '--policy', 'policy.yaml', '--baseline', 'runs/base']);
    expect(refused.code).toBe(2);
    expect(refused.err()).toContain('grader differs');
    const allowed = await run(['gate', 'runs/other-grader', '--policy', 'policy.yaml', '--baseline', 'runs/base', '--allow-grader-change']);
    expect(allowed.code).toBe(0);
    expect(allowed.out()).toContain('WARN  compared despite: grader differs');
  });

  test('missing --policy, a missing policy file or a missing report exit 2', async () => {
    expect((await run(['gate', 'runs/base'])).code).toBe(2);
    const noPolicy = await run(['gate', 'runs/base', '--policy', 'nope.yaml']);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.err()).toContain('nope.yaml: cannot read policy (ENOENT)');
    const noReport = await run(['gate', 'runs', '--policy', 'policy.yaml']);
    expect(noReport.code).toBe(2);
    expect(noReport.err()).toMatch(/report\.json: not found/);
  });

  test('the documented example policy runs against the fixture runs', async () => {
    const example = fileURLToPath(new URL('../../docs/examples/release-policy.yaml', import.meta.url));
    const r = await run(['gate', 'runs/head-regressed', '--policy', example, '--baseline', 'runs/base']);
    expect(r.code).toBe(1);
    expect(r.out()).toMatch(/^FAIL {2}maxDrop\.byTheme\[emergency_referrals\]/m);
  });
});
