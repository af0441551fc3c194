/** Markdown rendering of a RunDiff for a pull request or a CI job summary. Pure. */
import type { ChangedExample, GroupDelta, OneSidedExample, RunDiff } from './diff-runs.js';

const fmt = (x: number): string => x.toFixed(4);
const signed = (x: number): string => (x > 0 ? `+${fmt(x)}` : fmt(x));

/** Makes text safe inside a Markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*[\r\n]+\s*/g, ' ');
}

function marker(g: GroupDelta, minPrompts: number): string {
  if (g.direction === 'regressed') return '▼ drop';
  if (g.direction === 'improved') return '▲ gain';
  // Say why a CI that excludes 0 is not flagged, so a reader does not take it for a bug.
  if (!(g.ci[0] > 0 || g.ci[1] < 0)) return '';
  if (g.prompts < minPrompts) return 'too few prompts';
  return g.pAdjusted !== null && g.pAdjusted !== undefined ? `not after Holm (p ${g.pAdjusted.toFixed(3)})` : '';
}

function oneSidedList(title: string, list: OneSidedExample[]): string[] {
  if (list.length === 0) return [];
  const shown = list.slice(0, 50).map((e) => `\`${e.exampleId}\` (repeat ${e.repeats.join(', ')})`);
  const more = list.length > shown.length ? `, and ${list.length - shown.length} more` : '';
  return [`- ${title} (${list.length}): ${shown.join(', ')}${more}`];
}

function changedBlock(e: ChangedExample): string[] {
  const lines = [`- \`${e.exampleId}\` repeat ${e.repeat}: ${fmt(e.base)} → ${fmt(e.head)} (${signed(e.delta)})`];
  for (const c of e.flipped) {
    const verdict = (met: boolean): string => (met ? 'met' : 'not met');
    lines.push(`  - [${c.points > 0 ? '+' : ''}${c.points}] ${cell(c.text)}: ${verdict(c.base)} → ${verdict(c.head)}`);
  }
  if (e.flipped.length === 0) lines.push('  - no criterion verdict flipped');
  return lines;
}

/** `diff.md`: a group table (base, head, delta, CI, significance), then one-sided examples, then the most-changed samples. */
export function renderDiffMarkdown(diff: RunDiff): string {
  const level = `${Math.round((1 - diff.alpha) * 1000) / 10}% CI`;
  const out: string[] = [
    `## healthbench diff: \`${diff.base.runId}\` → \`${diff.head.runId}\``,
    '',
    `${diff.pairs.paired} paired samples over ${diff.pairs.prompts} prompts; ${diff.base.task}, headline \`${diff.headlineMetric}\`` +
      `${diff.clipped ? ' (clipped mean)' : ''}. CIs: paired bootstrap over prompts, ${diff.bootstrapSamples} resamples, seed ${diff.seed}; ` +
      (diff.correction === 'holm'
        ? `significant = Holm-adjusted bootstrap p below ${diff.alpha} across the ${diff.groups.filter((g) => g.pAdjusted !== null).length} groups with at least ${diff.minPromptsForSignificance} prompts.`
        : `significant = CI excludes 0 with at least ${diff.minPromptsForSignificance} prompts.`),
    '',
  ];
  for (const w of diff.warnings) out.push(`> **Warning:** ${cell(w)}`, '');
  out.push(`| group | base | head | Δ | ${level} | prompts | |`, '|---|---:|---:|---:|---|---:|---|');
  for (const g of diff.groups) {
    out.push(
      `| ${cell(g.group)} | ${fmt(g.base)} | ${fmt(g.head)} | ${signed(g.delta)} | [${signed(g.ci[0])}, ${signed(g.ci[1])}] | ${g.prompts} | ${marker(g, diff.minPromptsForSignificance)} |`,
    );
  }
  if (diff.groups.length === 0) out.push('| (no paired samples) | | | | | | |');
  const regressed = diff.groups.filter((g) => g.direction === 'regressed').length;
  const improved = diff.groups.filter((g) => g.direction === 'improved').length;
  out.push('', `Significant: ${regressed} drop(s), ${improved} gain(s) of ${diff.groups.length} groups.`, '');

  out.push('### Examples in one run only', '');
  const sided = [...oneSidedList('only in base', diff.onlyInBase), ...oneSidedList('only in head', diff.onlyInHead)];
  out.push(...(sided.length > 0 ? sided : ['None: both runs cover the same samples.']));
  const { excludedErrors: ex } = diff.pairs;
  if (ex.total > 0) out.push(`- left out because a side failed: ${ex.total} (base errors ${ex.base}, head errors ${ex.head})`);
  out.push('');

  out.push('### Most changed samples', '');
  if (diff.topChanged.length === 0) out.push('No paired sample changed its score.');
  for (const e of diff.topChanged) out.push(...changedBlock(e));
  return `${out.join('\n')}\n`;
}
