/**
 * Real headless Chromium for the page tests: Debian's `chromium` (installed by .ci/run) driven by playwright-core,
 * a fresh profile per launch, every non-file:// request aborted and recorded, console and page errors collected.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['HEALTHBENCH_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('../../test-results/', import.meta.url).pathname;

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** One browser per test file; `close` also removes the throw-away profile. */
export interface Browser {
  context: BrowserContext;
  /** Every request that was not file:// (each was aborted). */
  blocked: string[];
  /** Console errors and uncaught page errors of every page. */
  problems: string[];
  open(file: string, hash?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the browser tests need Debian's chromium (apt-get install -y chromium, as .ci/run does) or HEALTHBENCH_CHROMIUM=/path/to/chromium`,
    );
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), 'hb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 900 },
    // Playwright's own waitForFunction and the injected axe-core evaluate strings, which the pages' CSP forbids.
    // The injection tests therefore prove the rendering itself inert, without help from the CSP.
    bypassCSP: true,
  });
  const blocked: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  context.on('request', (r) => {
    if (!r.url().startsWith('file:') && !blocked.includes(r.url())) blocked.push(r.url());
  });
  const watch = (page: Page): void => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  };
  return {
    context,
    blocked,
    problems,
    async open(file, hash = '') {
      const page = await context.newPage();
      watch(page);
      await page.goto(pathToFileURL(file).href + hash);
      await page.waitForSelector('html[data-ready]');
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const require = createRequire(import.meta.url);

/** Runs axe-core in the page and returns the serious and critical violations (id: nodes). */
export async function axeSerious(page: Page): Promise<string[]> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  const violations = await page.evaluate<Array<{ id: string; impact: string | null; targets: string[] }>>(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) })))`,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(' ')}`);
}

/** Every bar-chart row of the page: chart title → group → [score text, n text]. */
export async function chartRows(page: Page): Promise<Record<string, Record<string, [string, string]>>> {
  return await page.evaluate<Record<string, Record<string, [string, string]>>>(`(() => {
    const out = {};
    for (const s of document.querySelectorAll('section.chart')) {
      const rows = {};
      for (const tr of s.querySelectorAll('tbody tr')) rows[tr.dataset.group] = [tr.querySelector('td.score').textContent, tr.querySelector('td.n').textContent];
      out[s.querySelector('h3').textContent] = rows;
    }
    return out;
  })()`);
}
