import type { GroupSummary } from '../core/types.js';
import type { LengthGroup } from './length-report.js';
import type { Report } from './types.js';

const f3 = (x: number): string => x.toFixed(3);
const ci = (g: GroupSummary): string => `[${f3(g.ci95[0])}, ${f3(g.ci95[1])}]`;
const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function row(label: string, g: LengthGroup): string {
  return `| ${cell(label)} | ${g.raw.n} | ${Math.round(g.meanResponseChars)} | ${f3(g.raw.score)} | ${ci(g.raw)} | ${f3(g.adjusted.score)} | ${ci(g.adjusted)} |`;
}

/** The headline line of the adjusted score, or '' without a length adjustment. */
export function renderLengthHeadline(report: Report): string {
  const la = report.lengthAdjustment;
  if (!la) return '';
  const a = la.overall.adjusted;
  return (
    `**Length-adjusted score: ${f3(a.score)}** (95% CI ${ci(a)}, bootstrap std ${f3(a.bootstrapStd)}, n = ${a.n}; ` +
    `center ${la.center} characters, penalty ${la.penalty} per 500 characters, ${cell(la.source)}; ` +
    `mean response length ${Math.round(la.overall.meanResponseChars)} characters)\n\n`
  );
}

/** `## Raw and length-adjusted scores`: overall and per group, side by side with the mean response length. */
export function renderLengthSection(report: Report): string {
  const la = report.lengthAdjustment;
  if (!la) return '';
  let md = '## Raw and length-adjusted scores\n\n';
  md += `Adjusted = raw − ${la.penalty} × (response characters − ${la.center}) / 500 per example; means clipped to [0, 1]. Characters are Unicode code points.\n\n`;
  md += '| group | n | mean response length (chars) | raw | raw 95% CI | adjusted | adjusted 95% CI |\n|---|---:|---:|---:|---|---:|---|\n';
  md += `${row('overall', la.overall)}\n`;
  for (const [family, groups] of Object.entries(la.byGroup)) {
    for (const [name, g] of Object.entries(groups)) md += `${row(`${family.replace(/_/g, ' ')}: ${name}`, g)}\n`;
  }
  return `${md}\n`;
}
