import { describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { buildHealthbenchReport, type ReportContext } from '../../../src/report/build-report.js';
import { renderMarkdownReport } from '../../../src/report/render-markdown.js';
import { CTX, SAMPLES } from './hand-samples.js';
import { failedSample } from './make-sample.js';

const build = (samples: readonly SampleRecord[], ctx: ReportContext = CTX) =>
  buildHealthbenchReport(
    samples.map((sample, position) => ({ position, sample })),
    ctx,
  );
const f3 = (x: number | undefined): string => (x ?? Number.NaN).toFixed(3);
/** The lines of one `## title` section, up to the next `## ` heading. */
function section(md: string, title: string): string {
  const start = md.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n## ', start + 3);
  return md.slice(start, next === -1 ? undefined : next);
}

describe('renderMarkdownReport', () => {
  const report = build(SAMPLES);
  const md = renderMarkdownReport(report);

  test('opens with the model and the headline score, CI, std, n and error count', () => {
    expect(md.startsWith('# HealthBench report: openai:cand-model\n\n')).toBe(true);
    const o = report.overall;
    expect(md).toContain(
      `**Overall score: ${f3(o.score)}** (95% CI [${f3(o.ci95[0])}, ${f3(o.ci95[1])}], bootstrap std ${f3(o.bootstrapStd)}, n = 8, **2 errors excluded**)`,
    );
  });

  test('says "no errors" when there were none', () => {
    const clean = renderMarkdownReport(build(SAMPLES.filter((s) => s.error === null)));
    expect(clean).toMatch(/n = 8, no errors\)/);
    expect(section(clean, 'Errors')).toContain('None.');
  });

  test('lists the run, dataset, model, grader and seed', () => {
    expect(md).toContain('| run | run-2025-test |');
    expect(md).toContain('| dataset | hand-made (9 examples × 1 repeats; sha256 abababababab…, official: n/a) |');
    expect(md).toContain('| model | openai:cand-model {"temperature":0.5} |');
    expect(md).toContain('| grader | openai:grader-model, per-criterion; template sha256 cdcdcdcdcdcd…, official template: no |');
    expect(md).toContain('| seed | 42 |');
  });

  test('has a theme table with score, CI and n per theme', () => {
    const t = section(md, 'By theme');
    expect(t).toContain('| theme | score | 95% CI | n |');
    for (const [theme, g] of Object.entries(report.byTheme)) {
      expect(t).toContain(`| ${theme} | ${f3(g.score)} | [${f3(g.ci95[0])}, ${f3(g.ci95[1])}] | ${g.n} |`);
    }
    expect(t.match(/^\| (communication|emergency_referrals|hedging) \|/gm)).toHaveLength(3);
  });

  test('has axis and language tables', () => {
    const axis = section(md, 'By axis');
    for (const [name, g] of Object.entries(report.byAxis)) expect(axis).toContain(`| ${name} | ${f3(g.score)} |`);
    const lang = section(md, 'By language');
    expect(lang).toContain('| language | score | 95% CI | n |');
    for (const [name, g] of Object.entries(report.byLanguage)) expect(lang).toContain(`| ${name} | ${f3(g.score)} | [`);
    expect(lang).toMatch(/^\| es \| .* \| 2 \| ⚠ n < 10 \|$/m);
  });

  test('renders the cluster and physician category families but not level', () => {
    expect(md).toContain('## By cluster\n');
    expect(md).toContain('## By physician agreed category\n');
    expect(md).not.toContain('## By level');
  });

  test('has a usage table per role', () => {
    const u = section(md, 'Usage');
    expect(u).toContain(`| candidate | ${report.usage['candidate']?.calls} | `);
    expect(u).toContain(`| grader | ${report.usage['grader']?.calls} | `);
  });

  test('lists each failed sample in the errors section, with table pipes escaped', () => {
    const e = section(md, 'Errors');
    expect(e).toContain('2 samples could not be sampled or graded; they are excluded from every mean.');
    expect(e).toContain('| e3 | 0 | candidate | HTTP 500 \\| upstream |');
    expect(e).toContain('| e7 | 0 | grader | no valid verdict after 3 attempts |');
  });

  test('a long error message is cut to 200 characters without breaking the table row', () => {
    const message = `${'x'.repeat(199)}|${'y'.repeat(50)}`;
    const text = renderMarkdownReport(build([...SAMPLES, failedSample('long', 'grader', message)]));
    const row = section(text, 'Errors')
      .split('\n')
      .find((l) => l.startsWith('| long |'));
    expect(row).toBeDefined();
    expect(row).toMatch(/[^\\] \|$/);
    expect(row?.split(/(?<!\\)\|/)).toHaveLength(6);
    expect(row).toContain('x'.repeat(199));
  });

  test('shows at most 50 errors and says how many more there are', () => {
    const many = Array.from({ length: 53 }, (_, i) => failedSample(`f${i}`, 'candidate', 'timeout'));
    const text = renderMarkdownReport(build([...SAMPLES, ...many]));
    const e = section(text, 'Errors');
    expect(e.match(/^\| f?e?\d+ \| \d+ \| (candidate|grader) \|/gm)).toHaveLength(50);
    expect(e).toContain('…and 5 more in report.json.');
  });

  test('lists the lowest-scoring examples with their missed criteria', () => {
    const low = section(md, 'Lowest-scoring examples');
    expect(low).toContain(
      '### e5 (repeat 0, emergency_referrals): -1.000\n\n> **Response:** answer to e5\n\n' +
        '- [6] **not met** (missed): criterion 1 of e5\n- [2] **not met** (missed): criterion 2 of e5\n- [-8] **met** (harmful, penalised): criterion 3 of e5',
    );
    expect(low).toMatch(/### e6 \(repeat 0, communication\): 1\.000\n\n> \*\*Response:\*\* answer to e6\n\nNo missed criteria\./);
  });

  test('marks groups under 10 samples and explains the mark', () => {
    const t = section(md, 'By theme');
    for (const [theme, g] of Object.entries(report.byTheme)) {
      expect(t).toContain(`| ${theme} | ${f3(g.score)} | [${f3(g.ci95[0])}, ${f3(g.ci95[1])}] | ${g.n} | ${g.n < 10 ? '⚠ n < 10' : ''} |`);
    }
    expect(t).toContain('⚠ n < 10: fewer than 10 samples, so the CI is unreliable.');
  });

  test('draws a Mermaid bar chart of the theme scores', () => {
    const t = section(md, 'By theme');
    const names = Object.keys(report.byTheme);
    expect(t).toContain('```mermaid\nxychart-beta\n  title "Score by theme"\n');
    expect(t).toContain(`x-axis [${names.map((n) => `"${n.replace(/_/g, ' ')}"`).join(', ')}]`);
    expect(t).toContain(`bar [${names.map((n) => f3(report.byTheme[n]?.score)).join(', ')}]`);
  });

  test('a response excerpt in the lowest list shows markup as text', () => {
    const hostile = SAMPLES.map((s) => (s.exampleId === 'e5' ? { ...s, response: '<script>alert(1)</script> | *bold*' } : s));
    const low = section(renderMarkdownReport(build(hostile)), 'Lowest-scoring examples');
    expect(low).toContain('> **Response:** &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*bold\\*\n');
  });

  test('shows the test-double banner only for test-double runs', () => {
    expect(md).not.toContain('Test double');
    const fake = renderMarkdownReport(build(SAMPLES, { ...CTX, testDouble: true }));
    expect(fake).toMatch(/^# HealthBench report: [^\n]+\n\n> \*\*Test double\.\*\*/);
  });

  test('prints notes as quotes and names a baseline run without a model', () => {
    const text = renderMarkdownReport(build(SAMPLES, { ...CTX, model: null, notes: ['physician completions (baseline mode)'] }));
    expect(text.startsWith('# HealthBench report: baseline\n')).toBe(true);
    expect(text).toContain('> physician completions (baseline mode)\n');
    expect(text).not.toContain('| model |');
  });
});
