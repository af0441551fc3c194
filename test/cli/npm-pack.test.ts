import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('npm pack', () => {
  it('the tarball holds the CLI, the bundled data and templates, the docs, schemas and examples, and nothing of the repo', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const [pack] = JSON.parse(out) as Array<{ name: string; files: Array<{ path: string }> }>;
    const files = (pack?.files ?? []).map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/cli/main.js',
      'dist/index.js',
      'conversations/demo.jsonl',
      'rubrics/demo.jsonl',
      'graders/healthbench-grader.md',
      'docs/gating.md',
      'docs/config.schema.json',
      'docs/gate-policy.schema.json',
      'docs/examples/release-policy.yaml',
      'docs/examples/min-overall-policy.yaml',
      'docs/examples/healthbench.config.yaml',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => /^(src|test|reports|bench|node_modules|\.ci)\//.test(f))).toEqual([]);
    // The benchmark is repository tooling (bench/, built into bench/dist/): none of it ships.
    expect(files.filter((f) => /(^|\/)bench\/|run-bench|workload/.test(f))).toEqual([]);
    expect(files).toContain('dist/testing/index.js');
    expect(files.filter((f) => f.startsWith('dist/') && f.endsWith('.test.js'))).toEqual([]);
  });

  it('the packed package installs and serves `healthbench` (the library) and `healthbench/testing` (the test double) apart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-pack-'));
    try {
      const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const [pack] = JSON.parse(out) as Array<{ filename: string }>;
      // Installed as a dependency would be: the tarball's package/ as node_modules/healthbench, its own dependencies
      // (already in this clone) linked beside it, so the import runs without a registry.
      const installed = join(dir, 'node_modules', 'healthbench');
      mkdirSync(installed, { recursive: true });
      execFileSync('tar', ['-xzf', join(dir, pack?.filename ?? ''), '-C', installed, '--strip-components=1']);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      for (const dep of Object.keys(manifest.dependencies)) {
        mkdirSync(dirname(join(dir, 'node_modules', dep)), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep), 'dir');
      }
      const script = [
        "const library = await import('healthbench');",
        "const { startFakeProvider } = await import('healthbench/testing');",
        'const fake = await startFakeProvider({ seed: 1 });',
        "const res = await fetch(`${fake.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' },",
        "  body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'Hello' }] }) });",
        'const body = await res.json();',
        'await fake.close();',
        "console.log(JSON.stringify({ status: res.status, text: typeof body.choices[0].message.content, runEval: typeof library.runEval, fakeInLibrary: 'startFakeProvider' in library }));",
      ].join('\n');
      const result = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(JSON.parse(result)).toEqual({ status: 200, text: 'string', runEval: 'function', fakeInLibrary: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
