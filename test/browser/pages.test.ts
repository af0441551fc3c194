/**
 * report.html and diff.html in real headless Chromium, opened from disk: figures equal report.json / diff.json,
 * filters and the sample view work, hostile data stays text, nothing is fetched, nothing logs an error, and axe-core
 * finds no serious or critical accessibility problem. Screenshots go to test-results/.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { SampleRecord } from '../../src/core/types.js';
import type { RunDiff } from '../../src/compare/diff-runs.js';
import { buildReportPage, toPageSample } from '../../src/report/html/index.js';
import type { Report } from '../../src/report/types.js';
import { PAGE_COMPRESSION } from '../../src/runner/report-html.js';
import { startFakeProvider, type FakeProvider } from '../../src/testing/index.js';
import { captureIo } from '../support/cli-io.js';
import { ARTIFACTS, axeSerious, chartRows, launch, type Browser } from './browser.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const HOSTILE = ['<script>window.__pwned=1</script>', '<img src=x onerror="window.__pwned=1">', '</textarea><textarea>window.__pwned=1'];
const f3 = (x: number): string => x.toFixed(3);

let browser: Browser;
const fakes: FakeProvider[] = [];
let dir: string;
const runs: Record<'base' | 'head' | 'medcalc', { dir: string; report: Report; samples: SampleRecord[] }> = {} as never;
let diff: RunDiff;

async function readRun(out: string): Promise<{ dir: string; report: Report; samples: SampleRecord[] }> {
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
  const samples = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SampleRecord);
  return { dir: out, report, samples };
}

async function cli(args: string[]): Promise<string> {
  const c = captureIo({ env: { OPENAI_API_KEY: 'k' }, cwd: ROOT });
  const code = await main(args, c.io);
  expect(code, c.err()).toBe(0);
  return c.out();
}

async function healthbenchRun(name: 'base' | 'head', dataset: string, seed: number): Promise<void> {
  const fake = await startFakeProvider({ seed });
  fakes.push(fake);
  const out = join(dir, name);
  const url = fake.openaiBaseUrl;
  // The head run is graded by two graders and carries a length-adjusted score: the page shows both.
  const extra =
    name === 'head' ? ['--grader', 'openai:second-grader', '--length-adjustment-center', '300', '--length-adjustment-penalty', '0.01'] : [];
  await cli([
    'eval',
    '--dataset',
    dataset,
    '--model',
    'openai:cand',
    '--base-url',
    url,
    '--grader',
    'openai:grader',
    '--grader-base-url',
    url,
    ...extra,
    '--out',
    out,
  ]);
  runs[name] = await readRun(out);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-pages-'));
  // The demo conversations plus two whose conversation and criteria carry script-injection attempts.
  const dataset = join(dir, 'dataset');
  for (const sub of ['conversations', 'rubrics']) {
    await mkdir(join(dataset, sub), { recursive: true });
    await cp(join(ROOT, sub, 'demo.jsonl'), join(dataset, sub, 'demo.jsonl'));
    await cp(join(ROOT, 'test/fixtures/hostile', sub, 'hostile.jsonl'), join(dataset, sub, 'hostile.jsonl'));
  }
  const medcalcFake = await startFakeProvider({ seed: 11 });
  fakes.push(medcalcFake);
  await Promise.all([
    healthbenchRun('base', dataset, 7),
    healthbenchRun('head', dataset, 8),
    cli([
      'eval',
      '--dataset',
      join(ROOT, 'test/fixtures/medcalc/small.csv'),
      '--model',
      'openai:calc',
      '--base-url',
      medcalcFake.openaiBaseUrl,
      '--out',
      join(dir, 'medcalc'),
    ]),
  ]);
  runs.medcalc = await readRun(join(dir, 'medcalc'));
  await cli(['diff', runs.base.dir, runs.head.dir, '--allow-grader-change', '--out', join(dir, 'diff')]);
  diff = JSON.parse(await readFile(join(dir, 'diff', 'diff.json'), 'utf8')) as RunDiff;
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(fakes.map((f) => f.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Asserts the page fetched nothing, logged no error and ran none of the injected code. */
async function clean(page: Page): Promise<void> {
  expect(browser.blocked, 'network requests').toEqual([]);
  expect(browser.problems, 'console / page errors').toEqual([]);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  expect(await page.locator('img, svg, iframe, textarea, #injected-b, a[href^="http"]').count()).toBe(0);
}

/** The visible table rows' cells, by column header text. */
async function tableRows(page: Page): Promise<Array<Record<string, string>>> {
  return await page.evaluate<Array<Record<string, string>>>(`(() => {
    const heads = [...document.querySelectorAll('#samples thead th')].map((th) => th.textContent.replace(/ [▲▼]$/, ''));
    return [...document.querySelectorAll('#samples tbody tr')].map((tr) => Object.fromEntries([...tr.children].map((td, i) => [heads[i], td.textContent])));
  })()`);
}

const expectedGroups = (g: Record<string, { score: number; n: number }>): Record<string, [string, string]> =>
  Object.fromEntries(Object.entries(g).map(([k, v]) => [k, [f3(v.score), String(v.n)]]));

describe('report.html of a HealthBench run', () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.open(join(runs.base.dir, 'report.html'));
  });
  afterAll(async () => page?.close());

  it('shows the headline, every group and the identity exactly as report.json says', async () => {
    const { report } = runs.base;
    expect(await page.locator('#overall-score').textContent()).toBe(f3(report.overall.score));
    expect(await page.locator('#overall-ci').textContent()).toBe(`95% CI [${f3(report.overall.ci95[0])}, ${f3(report.overall.ci95[1])}]`);
    expect(await page.locator('#overall-n').textContent()).toBe(`n = ${report.overall.n}`);
    const charts = await chartRows(page);
    expect(charts['By theme']).toEqual(expectedGroups(report.byTheme));
    expect(charts['By axis']).toEqual(expectedGroups(report.byAxis));
    expect(charts['By language']).toEqual(expectedGroups(report.byLanguage));
    expect(charts['By physician agreed category']).toEqual(expectedGroups(report.byGroup['physician_agreed_category'] ?? {}));
    const smallRows = await page.locator('section.chart tr.small').count();
    const smallGroups = [report.byTheme, report.byAxis, report.byLanguage, ...Object.values(report.byGroup)]
      .flatMap((g) => Object.values(g))
      .filter((g) => g.n < 10).length;
    expect(smallRows).toBe(smallGroups);
    const body = await page.locator('main').textContent();
    for (const text of [
      report.runId,
      report.dataset.sha256,
      report.grader?.templateSha256 ?? '?',
      'openai:cand',
      'openai:grader (per-criterion)',
      'Usage and cost',
      'Estimated cost: unknown',
    ]) {
      expect(body).toContain(text);
    }
    expect(body).not.toContain('Test double');
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await clean(page);
  });

  it('lists every sample lowest first, and the filters narrow the table', async () => {
    const { samples } = runs.base;
    expect(await page.locator('#sample-count').textContent()).toBe(
      `${samples.length} of ${samples.length} samples; showing 1–${samples.length}`,
    );
    const scores = (await tableRows(page)).map((r) => Number(r['score']));
    expect(scores).toEqual([...samples.map((s) => s.score as number)].sort((a, b) => a - b).map((x) => Number(f3(x))));

    await page.selectOption('select[data-filter="theme"]', 'hedging');
    const hedging = samples.filter((s) => s.exampleTags.includes('theme:hedging'));
    expect(await page.locator('#sample-count').textContent()).toMatch(new RegExp(`^${hedging.length} of ${samples.length} samples`));
    expect(new Set((await tableRows(page)).map((r) => r['theme']))).toEqual(new Set(['hedging']));
    await page.selectOption('select[data-filter="theme"]', '');

    await page.selectOption('select[data-filter="lang"]', 'es');
    expect((await tableRows(page)).map((r) => r['example']).sort()).toEqual(
      samples
        .filter((s) => s.language === 'es')
        .map((s) => s.exampleId)
        .sort(),
    );
    await page.selectOption('select[data-filter="lang"]', '');

    await page.selectOption('select[data-filter="axis"]', 'accuracy');
    const withAxis = samples.filter((s) => s.metrics?.['axis:accuracy'] !== undefined);
    expect(await page.locator('#samples tbody tr').count()).toBe(withAxis.length);
    await page.selectOption('select[data-filter="axis"]', '');

    await page.fill('input[data-filter="min"]', '0.5');
    await page.fill('input[data-filter="max"]', '0.9');
    const inRange = samples.filter((s) => (s.score as number) >= 0.5 && (s.score as number) <= 0.9);
    const shown = (await tableRows(page)).map((r) => Number(r['score']));
    expect(shown).toHaveLength(inRange.length);
    for (const x of shown) expect(x >= 0.5 && x <= 0.9).toBe(true);
    await page.fill('input[data-filter="min"]', '');
    await page.fill('input[data-filter="max"]', '');

    await page.fill('input[data-filter="q"]', 'window.__pwned');
    await page.waitForFunction(`document.querySelectorAll('#samples tbody tr').length === 2`);
    expect((await tableRows(page)).map((r) => r['example']).sort()).toEqual(['hostile-001', 'hostile-002']);

    await page.fill('input[data-filter="q"]', '');
    await page.waitForFunction(`document.querySelectorAll('#samples tbody tr').length === ${samples.length}`);
    await page.click('th button[data-sort="score"]');
    const desc = (await tableRows(page)).map((r) => Number(r['score']));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    await page.click('th button[data-sort="score"]');
    await clean(page);
  });

  it('opens a sample: roles, response, every rubric item with verdict, effect and explanation; injected markup stays text', async () => {
    const s = runs.base.samples.find((x) => x.exampleId === 'hostile-001') as SampleRecord;
    await page.click('button[data-open]:text-is("hostile-001")');
    await page.waitForSelector('#detail:not([hidden])');
    const roles = await page.locator('#detail .conversation .msg .role').allTextContents();
    expect(roles).toEqual(s.messagesSent.map((m) => m.role));
    const texts = await page.locator('#detail .conversation .msg .text').allTextContents();
    expect(texts).toEqual(s.messagesSent.map((m) => m.content));
    for (const h of HOSTILE) expect(texts.join('\n')).toContain(h);
    expect(await page.locator('#detail .role-candidate .text').textContent()).toBe(s.response);
    const rows = await page
      .locator('#rubric tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? '')));
    expect(rows).toHaveLength(s.criteria.length);
    s.criteria.forEach((c, i) => {
      const [points, text, verdict, effect, explanation] = rows[i] as string[];
      expect(points).toBe(`${c.points > 0 ? '+' : ''}${c.points}`);
      expect(text).toContain(c.text);
      expect(verdict).toBe(c.met ? 'met' : 'not met');
      const helped = c.points > 0 ? c.met : !c.met;
      expect(effect).toMatch(helped ? /^helped/ : /^hurt/);
      expect(explanation).toBe(c.explanation);
    });
    expect(await page.locator('#detail').textContent()).toContain('</script><script>window.__pwned=1</script>');
    await page.locator('#detail').screenshot({ path: join(ARTIFACTS, 'sample.png') });
    await clean(page);
  });

  it('axe-core finds no serious or critical problem in the report with a sample open', async () => {
    expect(await axeSerious(page)).toEqual([]);
  });

  it('opens the sample named in the URL', async () => {
    const linked = await browser.open(join(runs.base.dir, 'report.html'), '#sample=hostile-002&r=0');
    expect(await linked.locator('#detail h2').textContent()).toBe('hostile-002');
    expect(await linked.locator('#detail').textContent()).toContain('<svg onload="window.__pwned=1"></svg>');
    await clean(linked);
    await linked.close();
  });
});

describe('report.html of a run with two graders and a length-adjusted score', () => {
  it('shows the adjusted score overall and per group as report.json has them', async () => {
    const { report } = runs.head;
    const la = report.lengthAdjustment;
    expect(la).toBeDefined();
    const page = await browser.open(join(runs.head.dir, 'report.html'));
    expect(await page.locator('main').textContent()).toContain(`length-adjusted score${f3(la?.overall.adjusted.score ?? NaN)}  (95% CI`);
    const charts = await chartRows(page);
    for (const [family, groups] of Object.entries(la?.byGroup ?? {})) {
      const adjusted = Object.fromEntries(Object.entries(groups).map(([k, g]) => [k, g.adjusted]));
      expect(charts[`Length-adjusted, by ${family.replace(/_/g, ' ')}`]).toEqual(expectedGroups(adjusted));
    }
    await clean(page);
    await page.close();
  });

  it("shows each grader's verdict per rubric item", async () => {
    const s = runs.head.samples.find((x) => x.exampleId === 'hostile-001') as SampleRecord;
    const page = await browser.open(join(runs.head.dir, 'report.html'), '#sample=hostile-001&r=0');
    const cells = await page.locator('#rubric tbody tr td:last-child').allTextContents();
    const word = (v: boolean | null | undefined): string => (v === true ? 'met' : v === false ? 'not met' : 'error');
    expect(cells).toEqual(s.criteria.map((c) => `openai:grader: ${word(c.verdicts?.[0])}openai:second-grader: ${word(c.verdicts?.[1])}`));
    expect(await page.locator('main').textContent()).toContain('By grader (each alone)');
    await clean(page);
    await page.close();
  });
});

describe('report.html with compressed data (as big runs get)', () => {
  it('inflates the data in the browser and shows the same figures and samples', async () => {
    const { report, samples } = runs.base;
    const file = join(dir, 'compressed.html');
    await writeFile(file, buildReportPage(report, samples.map(toPageSample), undefined, { ...PAGE_COMPRESSION, minChars: 0 }));
    const page = await browser.open(file, '#sample=hostile-001&r=0');
    expect(await page.locator('[data-encoding="gzip-base64"]').count()).toBe(2);
    expect(await page.locator('#overall-score').textContent()).toBe(f3(report.overall.score));
    expect(await page.locator('#detail .conversation').textContent()).toContain(HOSTILE[0]);
    await page.fill('input[data-filter="q"]', 'window.__pwned');
    await page.waitForFunction(`document.querySelectorAll('#samples tbody tr').length === 2`);
    await clean(page);
    await page.close();
  });
});

describe('report.html of a MedCalc run', () => {
  it('shows accuracy by category and calculator, and per row the answer, extracted value, limits and verdict', async () => {
    const { report, samples, dir: runDir } = runs.medcalc;
    const page = await browser.open(join(runDir, 'report.html'));
    expect(await page.locator('#overall-score').textContent()).toBe(f3(report.overall.score));
    const charts = await chartRows(page);
    expect(charts['By category']).toEqual(expectedGroups(report.byGroup['category'] ?? {}));
    expect(charts['By calculator']).toEqual(expectedGroups(report.byGroup['calculator'] ?? {}));
    const rows = await tableRows(page);
    expect(rows).toHaveLength(samples.length);
    for (const r of rows) {
      const s = samples.find((x) => x.exampleId === r['example']) as SampleRecord;
      const d = s.detail as Record<string, unknown>;
      expect(r['answer (extracted)']).toBe(d['extracted'] === null ? '(none)' : String(d['extracted'] as string | number));
      expect(r['ground truth']).toBe(String(d['groundTruth']));
      expect(r['limits']).toBe(`[${String(d['lowerLimit'])}, ${String(d['upperLimit'])}]`);
      expect(r['verdict']).toBe(d['correct'] === true ? 'correct' : 'wrong');
    }
    expect(rows[0]?.['verdict']).toBe('wrong');
    await page.click('#samples tbody tr:first-child button[data-open]');
    await page.waitForSelector('#detail:not([hidden])');
    expect(await page.locator('#detail').textContent()).toContain('ground truth');
    await clean(page);
    await page.close();
  });
});

describe('diff.html', () => {
  it('shows every group delta with its CI, the flipped criteria and both responses side by side', async () => {
    const page = await browser.open(join(dir, 'diff', 'diff.html'));
    const signed = (x: number): string => (x > 0 ? `+${x.toFixed(4)}` : x.toFixed(4));
    const rows = await page
      .locator('#forest tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-group'), tr.className, tr.querySelector('td.delta')?.textContent]));
    expect(rows).toEqual(
      diff.groups.map((g) => [
        g.group,
        g.direction === 'regressed' ? 'sig-drop' : g.direction === 'improved' ? 'sig-gain' : '',
        signed(g.delta),
      ]),
    );
    expect(await page.locator('[role="note"] li').allTextContents()).toEqual(diff.warnings.map((w) => `Warning: ${w}`));
    const cards = page.locator('article.changed');
    expect(await cards.count()).toBe(diff.topChanged.length);
    expect(diff.topChanged.length).toBeGreaterThan(0);
    const first = diff.topChanged[0] as RunDiff['topChanged'][number];
    const card = cards.first();
    expect(await card.locator('table.flips tbody tr').count()).toBe(first.flipped.length);
    const base = runs.base.samples.find((s) => s.exampleId === first.exampleId && s.repeat === first.repeat);
    const head = runs.head.samples.find((s) => s.exampleId === first.exampleId && s.repeat === first.repeat);
    expect(await card.locator('.sbs .msg .text').allTextContents()).toEqual([base?.response, head?.response]);
    await page.screenshot({ path: join(ARTIFACTS, 'diff.png') });
    expect(await axeSerious(page)).toEqual([]);
    await clean(page);
    await page.close();
  });
});

describe('healthbench view', () => {
  it('rebuilds report.html of a run byte for byte and prints its path', async () => {
    const path = join(runs.base.dir, 'report.html');
    const before = await readFile(path, 'utf8');
    await rm(path);
    expect(await cli(['view', runs.base.dir])).toBe(`${path}\n`);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('a path that is neither a run nor a diff is bad input (exit 2) and says what is expected', async () => {
    const c = captureIo({ cwd: ROOT });
    expect(await main(['view', dir], c.io)).toBe(2);
    expect(c.err()).toContain('holds neither report.json nor diff.json');
  });

  it('--open hands the page to $BROWSER as a file:// URL', async () => {
    const opener = join(dir, 'opener.sh');
    const seen = join(dir, 'opened.txt');
    await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`, { mode: 0o755 });
    const c = captureIo({ env: { BROWSER: opener }, cwd: ROOT });
    expect(await main(['view', runs.base.dir, '--open'], c.io), c.err()).toBe(0);
    const url = `file://${join(runs.base.dir, 'report.html')}`;
    for (let i = 0; i < 100 && (await readFile(seen, 'utf8').catch(() => '')) !== url; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await readFile(seen, 'utf8')).toBe(url);
  });

  it('rebuilds diff.html from diff.json, with responses when both runs are named', async () => {
    const path = join(dir, 'diff', 'diff.html');
    const before = await readFile(path, 'utf8');
    expect(await cli(['view', join(dir, 'diff'), '--base', runs.base.dir, '--head', runs.head.dir])).toBe(`${path}\n`);
    expect(await readFile(path, 'utf8')).toBe(before);
    await cli(['view', join(dir, 'diff', 'diff.json')]);
    expect(await readFile(path, 'utf8')).not.toContain('"examples":[{');
  });
});
