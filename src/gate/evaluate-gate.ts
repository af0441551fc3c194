/**
 * Release-gate evaluation: a report (and optionally a diff against a baseline) checked against a policy, one rule per
 * check, plus text and JUnit renderings. Pure.
 */
import type { GroupSummary } from '../core/types.js';
import type { Report } from '../report/types.js';
import type { GroupDelta, RunDiff } from '../compare/index.js';
import type { GatePolicy } from './policy.js';

/** One check of a policy. */
export interface GateRule {
  /** Stable id, e.g. `minOverall`, `minByTheme[emergency_referrals]`, `maxDrop.anyGroup[language:en]`. */
  id: string;
  description: string;
  passed: boolean;
  /** The measured value (score, error rate or drop); null when it could not be measured, which fails the rule. */
  measured: number | null;
  threshold: number;
  /** `>=`: measured must be at least the threshold; `<=`: at most. */
  comparator: '>=' | '<=';
  /** Why it passed or failed, in a sentence. */
  detail: string;
}

/** `gate.json`. */
export interface GateResult {
  passed: boolean;
  rules: GateRule[];
  /** Caveats carried over from the diff (e.g. a grader change accepted with --allow-grader-change). */
  warnings: string[];
}

/**
 * Slack for threshold comparisons: a drop of 0.5 − 0.48 is 0.020000000000000018 in float64 and must not fail a
 * 0.02 limit.
 */
const EPS = 1e-12;

const fmt = (x: number): string => x.toFixed(4);
const stripPrefix = (key: string, prefix: string): string => (key.startsWith(prefix) ? key.slice(prefix.length) : key);

function summaryScore(s: GroupSummary | undefined): number | undefined {
  return s !== undefined && Number.isFinite(s.score) ? s.score : undefined;
}

/** A report group's score by full key (`theme:x`, `axis:x`, `language:en`, `cluster:x`, ...), or undefined. */
export function reportGroupScore(report: Report, key: string): number | undefined {
  if (key === 'overall') return summaryScore(report.overall);
  const colon = key.indexOf(':');
  const family = colon < 0 ? '' : key.slice(0, colon);
  const name = colon < 0 ? key : key.slice(colon + 1);
  // Reports may key the roll-ups by bare name or by full tag; accept both so policies need not know which.
  const fromRollup = (rollup: Record<string, GroupSummary> | undefined): number | undefined =>
    rollup === undefined ? undefined : (summaryScore(rollup[name]) ?? summaryScore(rollup[key]));
  let score: number | undefined;
  if (family === 'theme') score = fromRollup(report.byTheme);
  else if (family === 'axis') score = fromRollup(report.byAxis);
  else if (family === 'language') score = fromRollup(report.byLanguage);
  if (score === undefined && family !== '') score = fromRollup(report.byGroup[family]);
  if (score === undefined) {
    const m = report.metrics[key];
    if (m !== undefined && Number.isFinite(m)) score = m;
  }
  return score;
}

function available(report: Report, family: 'theme' | 'axis' | 'language'): string {
  const rollup = family === 'theme' ? report.byTheme : family === 'axis' ? report.byAxis : report.byLanguage;
  const names = Object.keys(rollup).map((k) => stripPrefix(k, `${family}:`));
  return names.length > 0 ? names.sort().join(', ') : '(none)';
}

function minRule(id: string, description: string, measured: number | undefined, threshold: number, missing: string): GateRule {
  if (measured === undefined) {
    return {
      id,
      description,
      passed: false,
      measured: null,
      threshold,
      comparator: '>=',
      detail: `missing: ${missing}, so the rule fails`,
    };
  }
  const passed = measured >= threshold - EPS;
  return {
    id,
    description,
    passed,
    measured,
    threshold,
    comparator: '>=',
    detail: passed ? `${fmt(measured)} is at least ${fmt(threshold)}` : `${fmt(measured)} is below the minimum ${fmt(threshold)}`,
  };
}

function ciLabel(diff: RunDiff): string {
  return `${Math.round((1 - diff.alpha) * 1000) / 10}% CI`;
}

const signed = (x: number): string => (x > 0 ? `+${fmt(x)}` : fmt(x));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Whether the CI alone would exclude 0 while the group has too few prompts to call it significant. */
function tooFewPrompts(g: GroupDelta, diff: RunDiff): boolean {
  return !g.significant && g.prompts < diff.minPromptsForSignificance && (g.ci[0] > 0 || g.ci[1] < 0);
}

function describeDelta(g: GroupDelta, diff: RunDiff): string {
  const sig = g.significant
    ? 'significant'
    : tooFewPrompts(g, diff)
      ? `not significant: ${plural(g.prompts, 'prompt')}, fewer than ${diff.minPromptsForSignificance}`
      : 'not significant';
  return (
    `base ${fmt(g.base)} → head ${fmt(g.head)} (Δ ${signed(g.delta)}, ${ciLabel(diff)} [${signed(g.ci[0])}, ${signed(g.ci[1])}], ` +
    `${sig}${g.significant || !tooFewPrompts(g, diff) ? `, ${plural(g.prompts, 'prompt')}` : ''})`
  );
}

function dropRule(
  id: string,
  description: string,
  group: string,
  threshold: number,
  diff: RunDiff | undefined,
  requireSignificant: boolean,
): GateRule {
  const base = { id, description, threshold, comparator: '<=' as const };
  if (diff === undefined) {
    return {
      ...base,
      passed: false,
      measured: null,
      detail: 'missing: no baseline run was given (--baseline), so drops cannot be checked and the rule fails',
    };
  }
  const g = diff.groups.find((d) => d.group === group);
  if (g === undefined) {
    return {
      ...base,
      passed: false,
      measured: null,
      detail: `missing: group '${group}' has no paired samples in the diff, so the rule fails`,
    };
  }
  const drop = -g.delta;
  const withinLimit = drop <= threshold + EPS;
  const passed = withinLimit || (requireSignificant && !g.significant);
  let verdict: string;
  if (drop <= 0) verdict = 'no drop';
  else if (withinLimit) verdict = `drop ${fmt(drop)} is within ${fmt(threshold)}`;
  else if (passed) verdict = `drop ${fmt(drop)} exceeds ${fmt(threshold)} but is not significant (requireSignificant)`;
  else verdict = `drop ${fmt(drop)} exceeds ${fmt(threshold)}${requireSignificant ? ' and is significant' : ''}`;
  return { ...base, passed, measured: drop, detail: `${verdict}; ${describeDelta(g, diff)}` };
}

/**
 * Checks `report` against `policy`, one rule per check. Drop rules read `diff` (head = this report's run);
 * without it they fail and say so. A group missing from the report fails its rule.
 */
export function evaluateGate(report: Report, policy: GatePolicy, diff?: RunDiff): GateResult {
  const rules: GateRule[] = [];

  if (policy.minOverall !== undefined) {
    rules.push(minRule('minOverall', 'overall score', summaryScore(report.overall), policy.minOverall, 'the report has no overall score'));
  }
  const families = [
    ['minByTheme', 'theme', policy.minByTheme],
    ['minByAxis', 'axis', policy.minByAxis],
    ['minByLanguage', 'language', policy.minByLanguage],
  ] as const;
  for (const [ruleName, family, thresholds] of families) {
    for (const [rawKey, threshold] of Object.entries(thresholds ?? {})) {
      const name = stripPrefix(rawKey, `${family}:`);
      const measured = reportGroupScore(report, `${family}:${name}`);
      const missing = `${family} '${name}' is not in the report (present: ${available(report, family)})`;
      rules.push(minRule(`${ruleName}[${name}]`, `score of ${family} ${name}`, measured, threshold, missing));
    }
  }
  for (const [tag, threshold] of Object.entries(policy.minByTag ?? {})) {
    const missing = `tag '${tag}' is not in the report's metrics or roll-ups`;
    rules.push(minRule(`minByTag[${tag}]`, `score of ${tag}`, reportGroupScore(report, tag), threshold, missing));
  }

  if (policy.maxErrorRate !== undefined) {
    const { n, errors } = report.overall;
    const total = n + errors;
    const threshold = policy.maxErrorRate;
    const id = 'maxErrorRate';
    const description = 'share of failed samples';
    if (total === 0) {
      rules.push({
        id,
        description,
        passed: false,
        measured: null,
        threshold,
        comparator: '<=',
        detail: 'missing: the report has no samples, so the rule fails',
      });
    } else {
      const rate = errors / total;
      const passed = rate <= threshold + EPS;
      rules.push({
        id,
        description,
        passed,
        measured: rate,
        threshold,
        comparator: '<=',
        detail: `${errors} of ${total} samples failed (${fmt(rate)}${passed ? ', within' : ', above'} the maximum ${fmt(threshold)})`,
      });
    }
  }

  const drop = policy.maxDrop;
  if (drop !== undefined) {
    const sig = drop.requireSignificant === true;
    if (drop.overall !== undefined) {
      rules.push(dropRule('maxDrop.overall', 'drop of the overall score vs baseline', 'overall', drop.overall, diff, sig));
    }
    const dropFamilies = [
      ['byTheme', 'theme', drop.byTheme],
      ['byAxis', 'axis', drop.byAxis],
      ['byLanguage', 'language', drop.byLanguage],
    ] as const;
    for (const [ruleName, family, thresholds] of dropFamilies) {
      for (const [rawKey, threshold] of Object.entries(thresholds ?? {})) {
        const name = stripPrefix(rawKey, `${family}:`);
        const group = `${family}:${name}`;
        rules.push(dropRule(`maxDrop.${ruleName}[${name}]`, `drop of ${group} vs baseline`, group, threshold, diff, sig));
      }
    }
    for (const [group, threshold] of Object.entries(drop.byTag ?? {})) {
      rules.push(dropRule(`maxDrop.byTag[${group}]`, `drop of ${group} vs baseline`, group, threshold, diff, sig));
    }
    if (drop.anyGroup !== undefined) {
      if (diff === undefined) {
        rules.push(dropRule('maxDrop.anyGroup', 'drop of every diff group vs baseline', 'overall', drop.anyGroup, undefined, sig));
      } else {
        for (const g of diff.groups) {
          rules.push(dropRule(`maxDrop.anyGroup[${g.group}]`, `drop of ${g.group} vs baseline`, g.group, drop.anyGroup, diff, sig));
        }
      }
    }
  }

  return { passed: rules.every((r) => r.passed), rules, warnings: diff?.warnings ?? [] };
}

function measuredText(r: GateRule): string {
  return r.measured === null ? 'missing' : fmt(r.measured);
}

/** One line per rule (`PASS`/`FAIL`, measured vs threshold, detail), then a verdict line. */
export function renderGateText(result: GateResult): string {
  const width = Math.max(0, ...result.rules.map((r) => r.id.length));
  const lines = result.rules.map(
    (r) =>
      `${r.passed ? 'PASS' : 'FAIL'}  ${r.id.padEnd(width)}  ${measuredText(r).padStart(7)} ${r.comparator} ${fmt(r.threshold)}  ${r.detail}`,
  );
  for (const w of result.warnings) lines.push(`WARN  ${w}`);
  const failed = result.rules.filter((r) => !r.passed).length;
  lines.push(
    result.rules.length === 0
      ? 'gate: PASSED (the policy has no rules)'
      : failed === 0
        ? `gate: PASSED (${result.rules.length} of ${result.rules.length} rules passed)`
        : `gate: FAILED (${failed} of ${result.rules.length} rules failed)`,
  );
  return `${lines.join('\n')}\n`;
}

/** Escapes text for XML 1.0 content and attributes, dropping characters XML 1.0 cannot carry at all. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML for CI systems: one testcase per rule, a `<failure>` with the detail for each failed rule. */
export function renderJunit(result: GateResult, suiteName = 'healthbench gate'): string {
  const failures = result.rules.filter((r) => !r.passed).length;
  const tests = result.rules.length;
  const suite = escapeXml(suiteName);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${tests}" failures="${failures}" errors="0">`,
    `  <testsuite name="${suite}" tests="${tests}" failures="${failures}" errors="0" skipped="0">`,
  ];
  for (const r of result.rules) {
    const head = `    <testcase classname="healthbench.gate" name="${escapeXml(r.id)}"`;
    const summary = `${r.description}: measured ${measuredText(r)}, required ${r.comparator} ${fmt(r.threshold)}`;
    if (r.passed) {
      out.push(`${head}>`, `      <system-out>${escapeXml(`${summary}; ${r.detail}`)}</system-out>`, '    </testcase>');
    } else {
      out.push(
        `${head}>`,
        `      <failure message="${escapeXml(summary)}" type="GateRuleFailed">${escapeXml(r.detail)}</failure>`,
        '    </testcase>',
      );
    }
  }
  if (result.warnings.length > 0) out.push(`    <system-err>${escapeXml(result.warnings.join('\n'))}</system-err>`);
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
