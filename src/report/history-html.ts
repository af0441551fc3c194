/**
 * The history trend page (`healthbench history --html FILE`): one self-contained HTML file, inline CSS and SVG, no
 * script, no network. Per series, the overall score over time with its 95% CI as a band, then one small chart per
 * theme (MedCalc: category), and the runs as a table. Everything from the data is escaped as text. Pure.
 */
import type { GroupSummary } from '../core/types.js';
import type { DriftComparison } from '../compare/drift.js';
import type { HistoryRun, HistorySeries } from './history.js';

/** Escapes text for HTML element content and attribute values (also valid inside inline SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const f3 = (x: number): string => x.toFixed(3);

interface Point {
  run: HistoryRun;
  g: GroupSummary;
  i: number;
}

/** One chart: score line, CI band and points over the runs (evenly spaced, oldest left), y from 0 to 1. */
function chart(
  title: string,
  runs: readonly HistoryRun[],
  pick: (r: HistoryRun) => GroupSummary | undefined,
  size: { w: number; h: number },
  alarm: boolean,
): string {
  const pad = { l: 36, r: 12, t: 22, b: 26 };
  const iw = size.w - pad.l - pad.r;
  const ih = size.h - pad.t - pad.b;
  const x = (i: number): number => pad.l + (runs.length === 1 ? iw / 2 : (iw * i) / (runs.length - 1));
  const y = (v: number): number => pad.t + ih * (1 - Math.min(1, Math.max(0, v)));
  const points: Point[] = runs.flatMap((run, i) => {
    const g = pick(run);
    return g ? [{ run, g, i }] : [];
  });
  const parts: string[] = [];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line class="grid" x1="${pad.l}" x2="${size.w - pad.r}" y1="${y(v)}" y2="${y(v)}"/><text class="tick" x="${pad.l - 4}" y="${y(v) + 3}" text-anchor="end">${v.toFixed(2)}</text>`,
    );
  }
  if (points.length > 1) {
    const upper = points.map((p) => `${x(p.i)},${y(p.g.ci95[1])}`);
    const lower = points.map((p) => `${x(p.i)},${y(p.g.ci95[0])}`).reverse();
    parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}"/>`);
    parts.push(`<polyline class="line" points="${points.map((p) => `${x(p.i)},${y(p.g.score)}`).join(' ')}"/>`);
  }
  for (const p of points) {
    const tip = `${p.run.runId} (${p.run.date}): ${f3(p.g.score)}, 95% CI [${f3(p.g.ci95[0])}, ${f3(p.g.ci95[1])}], n = ${p.g.n}`;
    parts.push(
      `<line class="whisker" x1="${x(p.i)}" x2="${x(p.i)}" y1="${y(p.g.ci95[0])}" y2="${y(p.g.ci95[1])}"/>` +
        `<circle class="pt" cx="${x(p.i)}" cy="${y(p.g.score)}" r="3"><title>${escapeHtml(tip)}</title></circle>`,
    );
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (first)
    parts.push(
      `<text class="tick" x="${x(0)}" y="${size.h - 8}" text-anchor="${runs.length === 1 ? 'middle' : 'start'}">${escapeHtml(first.date.slice(0, 10))}</text>`,
    );
  if (last && runs.length > 1)
    parts.push(
      `<text class="tick" x="${x(runs.length - 1)}" y="${size.h - 8}" text-anchor="end">${escapeHtml(last.date.slice(0, 10))}</text>`,
    );
  const label = `${title}${alarm ? ' — DROP' : ''}`;
  return (
    `<figure class="${alarm ? 'alarm' : ''}"><svg role="img" aria-label="${escapeHtml(`${label}: score over ${runs.length} runs`)}" width="${size.w}" height="${size.h}" viewBox="0 0 ${size.w} ${size.h}">` +
    `<text class="title" x="${pad.l}" y="14">${escapeHtml(label)}</text>${parts.join('')}</svg></figure>`
  );
}

function runTable(s: HistorySeries, groupNames: string[]): string {
  const ci = (g: GroupSummary | undefined): string => (g ? `${f3(g.score)} [${f3(g.ci95[0])}, ${f3(g.ci95[1])}]` : '–');
  const head = ['date', 'run', 'overall', ...groupNames, 'n', 'errors', 'cost']
    .map((h) => `<th scope="col">${escapeHtml(h)}</th>`)
    .join('');
  const rows = s.runs.map((r) => {
    const cost = r.cost === null ? (r.testDouble ? 'test double' : 'unknown') : `$${r.cost.toFixed(2)}`;
    const cells = [
      r.date.slice(0, 16).replace('T', ' '),
      r.runId,
      ci(r.overall),
      ...groupNames.map((g) => ci(r.groups[g])),
      String(r.overall.n),
      String(r.overall.errors),
      cost,
    ];
    return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function seriesSection(s: HistorySeries, alarms: DriftComparison | undefined): string {
  const groupNames = [...new Set(s.runs.flatMap((r) => Object.keys(r.groups)))].sort();
  const prefix = s.identity.task === 'medcalc' ? 'category:' : 'theme:';
  const alarmed = new Set(alarms?.tests.filter((t) => t.alarm).map((t) => t.group) ?? []);
  const id = s.identity;
  const drops = alarms?.tests.filter((t) => t.alarm) ?? [];
  return [
    `<section><h2>${escapeHtml(`${id.candidate} on ${id.dataset}`)}</h2>`,
    `<p class="id">${escapeHtml(`${id.task}; dataset sha256 ${id.datasetSha256}; grader ${id.grader}; template sha256 ${id.templateSha256}; ${s.runs.length} run(s)`)}</p>`,
    s.runs.some((r) => r.testDouble)
      ? '<p class="warn">Some runs used the bundled test double: their figures mean nothing about a real model.</p>'
      : '',
    drops.length > 0
      ? `<p class="warn">${escapeHtml(`Significant drop (Holm-corrected) from ${alarms?.baseRunId} to ${alarms?.headRunId}: ${drops.map((t) => `${t.group} ${f3(t.base)} → ${f3(t.head)}`).join('; ')}`)}</p>`
      : '',
    chart('overall', s.runs, (r) => r.overall, { w: 640, h: 220 }, alarmed.has('overall')),
    `<div class="grid">${groupNames.map((g) => chart(g, s.runs, (r) => r.groups[g], { w: 300, h: 150 }, alarmed.has(`${prefix}${g}`))).join('')}</div>`,
    runTable(s, groupNames),
    '</section>',
  ].join('\n');
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#1b1f24}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}.id{color:#555;font-size:12px;word-break:break-all}
.warn{background:#fff4e5;border-left:4px solid #d9480f;padding:6px 10px}
.grid{display:flex;flex-wrap:wrap;gap:8px}figure{margin:6px 0}figure.alarm svg{outline:2px solid #c92a2a}
svg .grid{stroke:#e5e7eb}svg .tick{font-size:10px;fill:#555}svg .title{font-size:12px;font-weight:600;fill:#1b1f24}
svg .band{fill:#4c6ef5;fill-opacity:.18}svg .line{fill:none;stroke:#364fc7;stroke-width:1.5}svg .whisker{stroke:#364fc7;stroke-opacity:.5}
svg .pt{fill:#364fc7}table{border-collapse:collapse;font-size:12px;margin-top:8px;display:block;overflow-x:auto}
th,td{border:1px solid #dee2e6;padding:3px 6px;white-space:nowrap;text-align:left}`;

/** The whole page. `alarms` (from `--alarm`) marks the groups with a significant drop. */
export function renderHistoryHtml(series: readonly HistorySeries[], alarms: readonly DriftComparison[] | null): string {
  const byKey = new Map((alarms ?? []).map((c) => [c.series, c]));
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>healthbench history</title><style>${CSS}</style></head><body>`,
    '<h1>healthbench history</h1>',
    `<p>${series.length} series. Each chart shows a score over the runs, oldest left, with its 95% bootstrap CI as a band; hover a point for the run. One series = same dataset, candidate, grader and grader template.</p>`,
    ...series.map((s) => seriesSection(s, byKey.get(s.key))),
    '</body></html>',
    '',
  ].join('\n');
}
