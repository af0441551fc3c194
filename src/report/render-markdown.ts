import type { GroupSummary } from '../core/types.js';
import { renderLengthHeadline, renderLengthSection } from './render-length.js';
import type { Report } from './types.js';

const f3 = (x: number): string => x.toFixed(3);
const ci = (g: GroupSummary): string => `[${f3(g.ci95[0])}, ${f3(g.ci95[1])}]`;
/** Table cells must not break the Markdown table. */
const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/** Groups with fewer samples than this are marked: their CI says little (n = 1 gives a zero-width interval). */
export const SMALL_N = 10;
const SMALL_MARK = '⚠ n < 10';

function groupTable(title: string, label: string, groups: Record<string, GroupSummary>): string {
  const names = Object.keys(groups);
  if (names.length === 0) return '';
  const rows = names.map((name) => {
    const g = groups[name] as GroupSummary;
    return `| ${cell(name)} | ${f3(g.score)} | ${ci(g)} | ${g.n} | ${g.n < SMALL_N ? SMALL_MARK : ''} |`;
  });
  const small = names.some((n) => (groups[n] as GroupSummary).n < SMALL_N);
  const note = small ? `${SMALL_MARK}: fewer than ${SMALL_N} samples, so the CI is unreliable.\n\n` : '';
  return `## ${title}\n\n| ${label} | score | 95% CI | n | |\n|---|---:|---|---:|---|\n${rows.join('\n')}\n\n${note}`;
}

/** A label Mermaid accepts inside double quotes. */
const mermaidLabel = (text: string): string =>
  text
    .replace(/["\\`<>&]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 40);

/** A Mermaid `xychart-beta` bar chart of group scores (GitHub renders it); empty for fewer than two groups. */
export function mermaidBars(title: string, groups: Record<string, GroupSummary>): string {
  const names = Object.keys(groups);
  if (names.length < 2) return '';
  const labels = names.map((n) => `"${mermaidLabel(n.replace(/_/g, ' '))}"`).join(', ');
  const values = names.map((n) => f3((groups[n] as GroupSummary).score)).join(', ');
  return `\`\`\`mermaid\nxychart-beta\n  title "${mermaidLabel(title)}"\n  x-axis [${labels}]\n  y-axis "score" 0 --> 1\n  bar [${values}]\n\`\`\`\n\n`;
}

/** Text of a Markdown paragraph: one line, no markup, HTML or table pipes. */
const prose = (text: string): string =>
  cell(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([`*_[\]#])/g, '\\$1');

function lowestSection(report: Report): string {
  if (report.lowest.length === 0) return '';
  let md = '## Lowest-scoring examples\n\n';
  for (const l of report.lowest) {
    md += `### ${cell(l.exampleId)} (repeat ${l.repeat}, ${l.theme ?? 'no theme'}): ${f3(l.score)}\n\n`;
    if (typeof l.response === 'string') {
      const excerpt = l.response.length > 300 ? `${l.response.slice(0, 300)}…` : l.response;
      md += `> **Response:** ${prose(excerpt) || '(empty)'}\n\n`;
    }
    if (l.missed.length === 0) md += 'No missed criteria.\n\n';
    else {
      const line = (m: Report['lowest'][number]['missed'][number]): string =>
        m.points >= 0
          ? `- [${m.points}] **not met** (missed): ${cell(m.text)}`
          : `- [${m.points}] **met** (harmful, penalised): ${cell(m.text)}`;
      md += `${l.missed.map(line).join('\n')}\n\n`;
    }
  }
  return md;
}

/** `report.md`: headline with CI, tables by theme, axis and language, errors, lowest-scoring examples. */
export function renderMarkdownReport(report: Report): string {
  const o = report.overall;
  let md = `# HealthBench report: ${cell(report.model?.spec ?? 'baseline')}\n\n`;
  if (report.testDouble) {
    md +=
      '> **Test double.** These figures come from the bundled fake provider, not from a real model; they only show the pipeline works.\n\n';
  }
  if (o.n === 0) md += `**No scored samples** (n = 0, ${o.errors} errors): there is no overall score.\n\n`;
  else {
    md += `**Overall score: ${f3(o.score)}** (95% CI ${ci(o)}, bootstrap std ${f3(o.bootstrapStd)}, n = ${o.n}`;
    md += o.errors > 0 ? `, **${o.errors} errors excluded**)\n\n` : ', no errors)\n\n';
  }
  md += renderLengthHeadline(report);
  md += '| | |\n|---|---|\n';
  md += `| run | ${cell(report.runId)} |\n| dataset | ${cell(report.dataset.name)} (${report.dataset.count} examples × ${report.repeats} repeats; sha256 ${report.dataset.sha256.slice(0, 12)}…, official: ${report.dataset.officialSha256}) |\n`;
  if (report.model) md += `| model | ${cell(report.model.spec)} ${cell(JSON.stringify(report.model.params))} |\n`;
  if (report.grader) {
    md += `| grader | ${cell(report.grader.spec)}, ${report.grader.mode}; template sha256 ${report.grader.templateSha256.slice(0, 12)}…, official template: ${report.grader.officialTemplate ? 'yes' : 'no'} |\n`;
  }
  if (report.meanResponseChars !== undefined) md += `| mean response length | ${Math.round(report.meanResponseChars)} characters |\n`;
  md += `| seed | ${report.seed} |\n| tool | healthbench ${report.tool.version} |\n\n`;
  for (const note of report.notes) md += `> ${cell(note)}\n\n`;
  md += renderLengthSection(report);
  md += groupTable('By theme', 'theme', report.byTheme);
  md += mermaidBars('Score by theme', report.byTheme);
  md += groupTable('By axis', 'axis', report.byAxis);
  md += mermaidBars('Score by axis', report.byAxis);
  md += groupTable('By language', 'language', report.byLanguage);
  for (const [family, groups] of Object.entries(report.byGroup)) {
    if (family === 'level') continue;
    md += groupTable(`By ${family.replace(/_/g, ' ')}`, family.replace(/_/g, ' '), groups);
  }
  if (report.graderScores) md += groupTable('By grader (each alone)', 'grader', report.graderScores);
  if (report.graderAgreement && report.graderAgreement.length > 0) {
    md += "## Grader agreement\n\n| grader A | grader B | criteria | agreement | Cohen's kappa |\n|---|---|---:|---:|---:|\n";
    for (const g of report.graderAgreement) {
      md += `| ${cell(g.a)} | ${cell(g.b)} | ${g.n} | ${g.percentAgreement === null ? '-' : f3(g.percentAgreement)} | ${g.kappa === null ? '-' : f3(g.kappa)} |\n`;
    }
    md += '\n';
  }
  const u = report.usage;
  md += '## Usage\n\n| role | calls | input tokens | output tokens | cached input |\n|---|---:|---:|---:|---:|\n';
  for (const [role, usage] of Object.entries(u)) {
    md += `| ${role} | ${usage.calls} | ${usage.inputTokens} | ${usage.outputTokens} | ${usage.cachedInputTokens} |\n`;
  }
  const reasoning = Object.entries(u).filter(([, usage]) => usage.reasoningTokens !== undefined);
  if (reasoning.length > 0)
    md += `\nReasoning tokens (included in output tokens, billed as output): ${reasoning.map(([role, usage]) => `${role} ${usage.reasoningTokens ?? 0}`).join(', ')}.\n`;
  md += '\n## Errors\n\n';
  if (report.errors.length === 0) md += 'None.\n\n';
  else {
    md += `${report.errors.length} samples could not be sampled or graded; they are excluded from every mean.\n\n| example | repeat | stage | message |\n|---|---:|---|---|\n`;
    for (const e of report.errors.slice(0, 50)) {
      md += `| ${cell(e.exampleId)} | ${e.repeat} | ${e.stage} | ${cell(e.message.slice(0, 200))} |\n`;
    }
    if (report.errors.length > 50) md += `\n…and ${report.errors.length - 50} more in report.json.\n`;
    md += '\n';
  }
  md += lowestSection(report);
  return md;
}
