/**
 * report.html of a HealthBench Professional run in real headless Chromium: the use case / type / difficulty /
 * specialty roll-ups are charted and the length-adjusted score sits beside the headline, equal to report.json.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { GroupSummary } from '../../src/core/types.js';
import type { Report } from '../../src/report/types.js';
import { captureIo } from '../support/cli-io.js';
import { chartRows, launch, type Browser } from './browser.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const f3 = (x: number): string => x.toFixed(3);

let browser: Browser;
let dir: string;
let report: Report;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-pro-page-'));
  const c = captureIo({ env: {}, cwd: ROOT });
  const args = [
    'eval',
    '--dataset',
    'test/fixtures/professional/pro-small.jsonl',
    '--model',
    'openai:gpt-5-mini',
    '--fake-server',
    '--out',
    join(dir, 'run'),
  ];
  expect(await main(args, c.io), c.err()).toBe(0);
  report = JSON.parse(await readFile(join(dir, 'run', 'report.json'), 'utf8')) as Report;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('report.html of a HealthBench Professional run', () => {
  it('charts the four Professional families and shows the length-adjusted score, as report.json says', async () => {
    const page = await browser.open(join(dir, 'run', 'report.html'));
    const charts = await chartRows(page);
    const expected = (groups: Record<string, GroupSummary> | undefined): Record<string, [string, string]> =>
      Object.fromEntries(Object.entries(groups ?? {}).map(([k, g]) => [k, [f3(g.score), String(g.n)]]));
    for (const family of ['use_case', 'type', 'difficulty', 'specialty']) {
      expect(charts[`By ${family.replace(/_/g, ' ')}`]).toEqual(expected(report.byGroup[family]));
    }
    const adjusted = report.overall_score_length_adjusted as GroupSummary;
    const body = await page.locator('main').textContent();
    expect(body).toContain(
      `overall score length adjusted${f3(adjusted.score)}  (95% CI [${f3(adjusted.ci95[0])}, ${f3(adjusted.ci95[1])}], n = ${adjusted.n})`,
    );
    expect(browser.blocked).toEqual([]);
    expect(browser.problems).toEqual([]);
    await page.close();
  });
});
