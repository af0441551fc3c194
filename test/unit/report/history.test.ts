import { describe, expect, test } from 'vitest';
import { renderHistoryHtml } from '../../../src/report/history-html.js';
import { groupHistory, historyRun, renderHistoryTable, seriesIdentity } from '../../../src/report/history.js';
import type { Report } from '../../../src/report/types.js';
import { report } from '../compare/make-run.js';

const g = (score: number) => ({ score, bootstrapStd: 0.02, ci95: [score - 0.05, score + 0.05] as [number, number], n: 12 });
const EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>';

function run(
  runId: string,
  date: string,
  score: number,
  over: Partial<Report> = {},
): { identity: ReturnType<typeof seriesIdentity>; run: ReturnType<typeof historyRun> } {
  const r = report({
    runId,
    createdAt: date,
    overall: { ...g(score), errors: 1 },
    byTheme: { hedging: g(score - 0.1), [EVIL]: g(score) },
    ...over,
  });
  return { identity: seriesIdentity(r), run: historyRun(`/runs/${runId}`, r, {}) };
}

describe('history series', () => {
  test('runs group by dataset sha256 + candidate + grader + template, oldest first', () => {
    const series = groupHistory([
      run('b', '2026-01-02T00:00:00Z', 0.5),
      run('a', '2026-01-01T00:00:00Z', 0.6),
      run('c', '2026-01-01T00:00:00Z', 0.4, { model: { spec: 'openai:other', params: {} } }),
      run('d', '2026-01-03T00:00:00Z', 0.4, { dataset: { name: 'demo', sha256: 'e'.repeat(64), officialSha256: 'n/a', count: 10 } }),
    ]);
    expect(series.map((s) => s.runs.map((r) => r.runId))).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  test('the table shows date, run, overall and themes with CIs, n, errors, cost; data cannot break the table', () => {
    const text = renderHistoryTable(groupHistory([run('a|b', '2026-01-01T10:20:00Z', 0.6)]));
    expect(text).toContain('| 2026-01-01 10:20 | a\\|b | 0.600 [0.550, 0.650] |');
    expect(text).toContain('| 0.500 [0.450, 0.550] | 12 | 1 | test double |');
  });

  test('the trend page escapes every text from the data and loads nothing', () => {
    const html = renderHistoryHtml(groupHistory([run(EVIL, '2026-01-01T00:00:00Z', 0.6), run('x', '2026-01-02T00:00:00Z', 0.5)]), null);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toMatch(/https?:\/\//);
    // Overall plus two themes, each with a band over the two runs.
    expect(html.match(/<polygon class="band"/g)?.length).toBe(3);
  });
});
