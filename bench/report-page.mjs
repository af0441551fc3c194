// Measures report.html at a given number of examples: page size, and load time in headless Chromium (navigation to
// the page's "ready" mark, i.e. data parsed, charts and the first table page drawn), plus opening a sample and a search.
// Samples are synthesized from the bench workload (bench/workload.ts, built into bench/dist/) with HealthBench-like text sizes:
// a 2,000-character response and a 250-character grader explanation per rubric item.
// Usage: npm run bench:build && node bench/report-page.mjs 100 5000
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { seededRandom, syntheticExample } from './dist/bench/workload.js';
import { buildHealthbenchReport } from '../dist/report/build-report.js';
import { buildReportPage, toPageSample } from '../dist/report/html/index.js';
import { exampleMetrics } from '../dist/scoring/index.js';
import { PAGE_COMPRESSION } from '../dist/runner/report-html.js';

const LANGS = ['en', 'en', 'en', 'es', 'fr', 'de', 'pt', 'ja'];
const filler = (rng, chars) => {
  let s = '';
  while (s.length < chars) s += `Sentence ${Math.floor(rng() * 1e6)} of a synthetic answer that gives advice and caveats. `;
  return s.slice(0, chars);
};

function sample(i, rng) {
  const e = syntheticExample(i, rng);
  const met = e.rubric.map(() => rng() < 0.55);
  const criteria = e.rubric.map((c, k) => ({
    text: c.text,
    points: c.points,
    tags: c.tags,
    met: met[k],
    explanation: filler(rng, 250),
    attempts: 1,
    error: null,
  }));
  const metrics = exampleMetrics(e.tags, e.rubric, met);
  return {
    task: 'healthbench',
    exampleId: e.id,
    repeat: 0,
    language: LANGS[i % LANGS.length],
    exampleTags: e.tags,
    messagesSent: [{ role: 'system', content: 'You are a helpful assistant.' }, ...e.messages],
    response: filler(rng, 2000),
    criteria,
    score: metrics?.overall_score ?? null,
    metrics,
    detail: null,
    usage: {
      candidate: { calls: 1, inputTokens: 300, outputTokens: 500, cachedInputTokens: 0 },
      grader: { calls: criteria.length, inputTokens: 9000, outputTokens: 900, cachedInputTokens: 0 },
    },
    error: null,
  };
}

const ctx = (n) => ({
  runId: `bench-page-${n}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  toolVersion: 'bench',
  seed: 42,
  repeats: 1,
  testDouble: true,
  notes: [],
  dataset: { name: 'synthetic', sha256: '0'.repeat(64), officialSha256: 'n/a', count: n },
  model: { spec: 'openai:synthetic', params: {} },
  grader: { spec: 'openai:synthetic-grader', params: {}, templateSha256: '1'.repeat(64), officialTemplate: false, mode: 'per-criterion' },
});

const dir = await mkdtemp(join(tmpdir(), 'hb-page-bench-'));
const browser = await chromium.launch({
  executablePath: process.env.HEALTHBENCH_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  for (const n of process.argv.slice(2).map(Number)) {
    const rng = seededRandom(n);
    const samples = Array.from({ length: n }, (_, i) => sample(i, rng));
    const report = buildHealthbenchReport(
      samples.map((s, position) => ({ position, sample: s })),
      ctx(n),
    );
    const pageSamples = samples.map(toPageSample);
    const html = buildReportPage(report, pageSamples, undefined, PAGE_COMPRESSION);
    const plainBytes = buildReportPage(report, pageSamples).length;
    const file = join(dir, `report-${n}.html`);
    await writeFile(file, html);
    const runs = [];
    for (let k = 0; k < 3; k += 1) {
      const page = await (await browser.newContext()).newPage();
      const t0 = Date.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('html[data-ready]');
      const wall = Date.now() - t0;
      const inPage = await page.evaluate('performance.now()');
      const marks = await page.evaluate(() =>
        Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)])),
      );
      const t1 = Date.now();
      await page.click('#samples tbody tr:first-child button[data-open]');
      await page.waitForSelector('#detail:not([hidden])');
      const open = Date.now() - t1;
      const t2 = Date.now();
      await page.fill('input[data-filter="q"]', 'bench-00042');
      await page.waitForFunction((total) => !document.querySelector('#sample-count').textContent.startsWith(`${total} of`), n);
      const search = Date.now() - t2;
      runs.push({ wall, inPage: Math.round(inPage), ...marks, open, search });
      await page.context().close();
    }
    const best = (k) => Math.min(...runs.map((r) => r[k]));
    const ready = Math.min(...runs.map((r) => r['hb-rendered']));
    console.log(
      `${n} examples: ${(html.length / 1e6).toFixed(2)} MB (${(plainBytes / 1e6).toFixed(2)} MB uncompressed); load to ready ${best('wall')} ms (rendered at ${ready} ms after navigation start), open a sample ${best('open')} ms, search ${best('search')} ms (best of 3; all: ${JSON.stringify(runs)})`,
    );
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
