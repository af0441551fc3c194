import { execFileSync } from 'node:child_process';
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
    expect(files.filter((f) => f.startsWith('dist/') && f.endsWith('.test.js'))).toEqual([]);
  });
});
