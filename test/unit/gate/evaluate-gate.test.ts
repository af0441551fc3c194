import { describe, expect, test } from 'vitest';
import { renderDiffMarkdown, type GroupDelta, type RunDiff } from '../../../src/compare/index.js';
import { escapeXml, evaluateGate, renderGateText, renderJunit, type GateResult } from '../../../src/gate/index.js';
import { report, summary } from '../compare/make-run.js';
import { assertWellFormedXml } from './xml.js';

const REPORT = report({
  overall: { ...summary(0.52, 98), errors: 2 },
  byTheme: { emergency_referrals: summary(0.61), hedging: summary(0.38) },
  byAxis: { 'axis:accuracy': summary(0.47) },
  byLanguage: { en: summary(0.55), es: summary(0.41) },
  byGroup: { physician_agreed_category: { emergent: summary(0.58) } },
  metrics: { overall_score: 0.52, 'cluster:emergent_referral': 0.29 },
});

function delta(group: string, base: number, head: number, ci: [number, number], significant: boolean): GroupDelta {
  const d = head - base;
  return {
    group,
    base,
    head,
    delta: d,
    ci,
    significant,
    direction: significant ? (d < 0 ? 'regressed' : 'improved') : 'unchanged',
    n: 40,
    prompts: 40,
    p: significant ? 0.001 : 0.5,
    pAdjusted: null,
  };
}

function diffWith(groups: GroupDelta[], warnings: string[] = []): RunDiff {
  const info = {
    task: 'healthbench' as const,
    datasetName: 'demo',
    datasetSha256: 'd',
    graderSpec: 'openai:g',
    graderTemplateSha256: 't',
    samples: 40,
  };
  return {
    formatVersion: 1,
    base: { ...info, runId: 'base-run' },
    head: { ...info, runId: 'head-run' },
    headlineMetric: 'overall_score',
    clipped: true,
    seed: 0,
    bootstrapSamples: 1000,
    alpha: 0.05,
    minPromptsForSignificance: 6,
    correction: 'none',
    warnings,
    pairs: { paired: 40, prompts: 40, excludedErrors: { base: 0, head: 0, total: 0 } },
    groups,
    onlyInBase: [],
    onlyInHead: [],
    topChanged: [],
  };
}

const rule = (result: GateResult, id: string) => {
  const r = result.rules.find((x) => x.id === id);
  if (!r) throw new Error(`no rule ${id}: ${result.rules.map((x) => x.id).join(', ')}`);
  return r;
};

describe('evaluateGate – minimums', () => {
  test('checks overall, theme, axis, language and tag minimums against the report', () => {
    const result = evaluateGate(REPORT, {
      minOverall: 0.45,
      minByTheme: { emergency_referrals: 0.6, 'theme:hedging': 0.4 },
      minByAxis: { accuracy: 0.45 },
      minByLanguage: { es: 0.45 },
      minByTag: { 'cluster:emergent_referral': 0.3, 'physician_agreed_category:emergent': 0.5 },
    });
    expect(result.rules.map((r) => [r.id, r.passed, r.measured, r.threshold])).toEqual([
      ['minOverall', true, 0.52, 0.45],
      ['minByTheme[emergency_referrals]', true, 0.61, 0.6],
      ['minByTheme[hedging]', false, 0.38, 0.4],
      ['minByAxis[accuracy]', true, 0.47, 0.45],
      ['minByLanguage[es]', false, 0.41, 0.45],
      ['minByTag[cluster:emergent_referral]', false, 0.29, 0.3],
      ['minByTag[physician_agreed_category:emergent]', true, 0.58, 0.5],
    ]);
    expect(result.passed).toBe(false);
    expect(rule(result, 'minByTheme[hedging]').detail).toBe('0.3800 is below the minimum 0.4000');
  });

  test('a score exactly at the minimum passes', () => {
    expect(evaluateGate(REPORT, { minOverall: 0.52 }).passed).toBe(true);
  });

  test('a group missing from the report fails and says what is present', () => {
    const result = evaluateGate(REPORT, { minByTheme: { global_health: 0.1 }, minByTag: { 'cluster:nope': 0.1 } });
    const theme = rule(result, 'minByTheme[global_health]');
    expect(theme).toMatchObject({ passed: false, measured: null, threshold: 0.1 });
    expect(theme.detail).toBe(
      "missing: theme 'global_health' is not in the report (present: emergency_referrals, hedging), so the rule fails",
    );
    expect(rule(result, 'minByTag[cluster:nope]').detail).toMatch(/^missing: tag 'cluster:nope'/);
    expect(result.passed).toBe(false);
  });

  test('the error rate is errors over scored plus failed samples', () => {
    const ok = evaluateGate(REPORT, { maxErrorRate: 0.02 });
    expect(rule(ok, 'maxErrorRate')).toMatchObject({ passed: true, measured: 0.02, comparator: '<=' });
    const bad = evaluateGate(REPORT, { maxErrorRate: 0.01 });
    expect(rule(bad, 'maxErrorRate').passed).toBe(false);
    expect(rule(bad, 'maxErrorRate').detail).toBe('2 of 100 samples failed (0.0200, above the maximum 0.0100)');
  });

  test('an empty policy passes with no rules', () => {
    expect(evaluateGate(REPORT, {})).toEqual({ passed: true, rules: [], warnings: [] });
  });
});

describe('evaluateGate – drops against a baseline', () => {
  const diff = diffWith(
    [
      delta('overall', 0.55, 0.52, [-0.05, -0.01], true),
      delta('theme:emergency_referrals', 0.7, 0.61, [-0.2, 0.01], false),
      delta('language:en', 0.5, 0.48, [-0.03, -0.01], true),
    ],
    ['compared despite: grader differs'],
  );

  test('a drop beyond its limit fails; within it passes', () => {
    const result = evaluateGate(REPORT, { maxDrop: { overall: 0.02, byLanguage: { en: 0.02 } } }, diff);
    const overall = rule(result, 'maxDrop.overall');
    expect(overall.passed).toBe(false);
    expect(overall.measured).toBeCloseTo(0.03, 12);
    expect(overall.detail).toBe(
      'drop 0.0300 exceeds 0.0200; base 0.5500 → head 0.5200 (Δ -0.0300, 95% CI [-0.0500, -0.0100], significant, 40 prompts)',
    );
    // 0.5 − 0.48 is 0.020000000000000018 in float64: still within a 0.02 limit.
    expect(rule(result, 'maxDrop.byLanguage[en]').passed).toBe(true);
    expect(result.warnings).toEqual(['compared despite: grader differs']);
  });

  test('requireSignificant lets a large but non-significant drop pass and still fails a significant one', () => {
    const result = evaluateGate(
      REPORT,
      { maxDrop: { byTheme: { emergency_referrals: 0.05 }, overall: 0.02, requireSignificant: true } },
      diff,
    );
    const theme = rule(result, 'maxDrop.byTheme[emergency_referrals]');
    expect(theme.passed).toBe(true);
    expect(theme.detail).toMatch(/^drop 0\.0900 exceeds 0\.0500 but is not significant \(requireSignificant\)/);
    expect(rule(result, 'maxDrop.overall').passed).toBe(false);
    expect(rule(result, 'maxDrop.overall').detail).toMatch(/exceeds 0\.0200 and is significant/);
  });

  test('an improvement reads as no drop, and a CI on too few prompts says why it is not significant', () => {
    const few = diffWith([
      delta('overall', 0.5, 0.6, [0.05, 0.15], false),
      { ...delta('theme:x', 0.8, 0.3, [-0.6, -0.4], false), prompts: 3 },
    ]);
    const result = evaluateGate(REPORT, { maxDrop: { anyGroup: 0.05, requireSignificant: true } }, few);
    expect(rule(result, 'maxDrop.anyGroup[overall]').detail).toBe(
      'no drop; base 0.5000 → head 0.6000 (Δ +0.1000, 95% CI [+0.0500, +0.1500], not significant, 40 prompts)',
    );
    expect(rule(result, 'maxDrop.anyGroup[theme:x]').detail).toBe(
      'drop 0.5000 exceeds 0.0500 but is not significant (requireSignificant); base 0.8000 → head 0.3000 ' +
        '(Δ -0.5000, 95% CI [-0.6000, -0.4000], not significant: 3 prompts, fewer than 6)',
    );
    expect(renderDiffMarkdown(few)).toContain('| theme:x | 0.8000 | 0.3000 | -0.5000 | [-0.6000, -0.4000] | 3 | too few prompts |');
  });

  test('anyGroup makes one rule per diff group', () => {
    const result = evaluateGate(REPORT, { maxDrop: { anyGroup: 0.05 } }, diff);
    expect(result.rules.map((r) => [r.id, r.passed])).toEqual([
      ['maxDrop.anyGroup[overall]', true],
      ['maxDrop.anyGroup[theme:emergency_referrals]', false],
      ['maxDrop.anyGroup[language:en]', true],
    ]);
  });

  test('a group absent from the diff fails its drop rule', () => {
    const r = rule(evaluateGate(REPORT, { maxDrop: { byTag: { 'category:lab': 0.1 } } }, diff), 'maxDrop.byTag[category:lab]');
    expect(r).toMatchObject({ passed: false, measured: null });
    expect(r.detail).toBe("missing: group 'category:lab' has no paired samples in the diff, so the rule fails");
  });

  test('drop rules without a baseline fail and say a baseline is needed', () => {
    const result = evaluateGate(REPORT, { maxDrop: { overall: 0.02, anyGroup: 0.05 } });
    expect(result.rules.map((r) => r.id)).toEqual(['maxDrop.overall', 'maxDrop.anyGroup']);
    for (const r of result.rules) {
      expect(r.passed).toBe(false);
      expect(r.detail).toMatch(/no baseline run was given \(--baseline\)/);
    }
  });
});

describe('renderGateText', () => {
  test('prints one PASS/FAIL line per rule with measured vs threshold, then the verdict', () => {
    const text = renderGateText(evaluateGate(REPORT, { minOverall: 0.45, minByTheme: { hedging: 0.4, nope: 0.1 }, maxErrorRate: 0.05 }));
    expect(text.split('\n')).toEqual([
      'PASS  minOverall            0.5200 >= 0.4500  0.5200 is at least 0.4500',
      'FAIL  minByTheme[hedging]   0.3800 >= 0.4000  0.3800 is below the minimum 0.4000',
      "FAIL  minByTheme[nope]     missing >= 0.1000  missing: theme 'nope' is not in the report (present: emergency_referrals, hedging), so the rule fails",
      'PASS  maxErrorRate          0.0200 <= 0.0500  2 of 100 samples failed (0.0200, within the maximum 0.0500)',
      'gate: FAILED (2 of 4 rules failed)',
      '',
    ]);
  });

  test('says PASSED when every rule passes', () => {
    expect(renderGateText(evaluateGate(REPORT, { minOverall: 0.1 }))).toMatch(/gate: PASSED \(1 of 1 rules passed\)\n$/);
  });
});

describe('renderJunit', () => {
  test('writes well-formed JUnit with one testcase per rule and a failure for each failed rule', () => {
    const xml = renderJunit(evaluateGate(REPORT, { minOverall: 0.45, minByTheme: { hedging: 0.4 }, maxErrorRate: 0.05 }));
    const root = assertWellFormedXml(xml);
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ tests: '3', failures: '1' });
    const suite = root.children[0];
    expect(suite?.name).toBe('testsuite');
    const cases = suite?.children.filter((c) => c.name === 'testcase') ?? [];
    expect(cases.map((c) => c.attrs['name'])).toEqual(['minOverall', 'minByTheme[hedging]', 'maxErrorRate']);
    const failures = cases.flatMap((c) => c.children.filter((x) => x.name === 'failure'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.attrs['message']).toBe('score of theme hedging: measured 0.3800, required >= 0.4000');
    expect(failures[0]?.text).toBe('0.3800 is below the minimum 0.4000');
  });

  test('escapes markup and drops characters XML cannot carry', () => {
    const result: GateResult = {
      passed: false,
      rules: [
        {
          id: 'minByTag[a<b>&"c\']',
          description: 'x',
          passed: false,
          measured: null,
          threshold: 0.5,
          comparator: '>=',
          detail: 'bad \u0001 <tag> & "q"',
        },
      ],
      warnings: ['w <1>'],
    };
    const xml = renderJunit(result);
    const root = assertWellFormedXml(xml);
    const tc = root.children[0]?.children[0];
    expect(tc?.attrs['name']).toBe('minByTag[a<b>&"c\']');
    expect(tc?.children[0]?.text).toBe('bad  <tag> & "q"');
    expect(escapeXml('a\uD800b\u{1F600}')).toBe('ab\u{1F600}');
  });
});

describe('renderDiffMarkdown', () => {
  test('renders the group table with CI and significance markers, one-sided examples and flipped criteria', () => {
    const diff: RunDiff = {
      ...diffWith(
        [delta('overall', 0.55, 0.52, [-0.05, -0.01], true), delta('theme:a|b', 0.4, 0.45, [-0.01, 0.1], false)],
        ['compared despite: grader differs'],
      ),
      onlyInBase: [{ exampleId: 'gone', repeats: [0] }],
      onlyInHead: [],
      topChanged: [
        {
          exampleId: 'p1',
          repeat: 0,
          base: 0.8,
          head: 0.1,
          delta: -0.7,
          flipped: [{ text: 'Refers to\nemergency | care', points: 5, base: true, head: false }],
        },
      ],
    };
    const md = renderDiffMarkdown(diff);
    expect(md).toContain('## healthbench diff: `base-run` → `head-run`');
    expect(md).toContain('> **Warning:** compared despite: grader differs');
    expect(md).toContain('| group | base | head | Δ | 95% CI | prompts | |');
    expect(md).toContain('| overall | 0.5500 | 0.5200 | -0.0300 | [-0.0500, -0.0100] | 40 | ▼ drop |');
    expect(md).toContain('| theme:a\\|b | 0.4000 | 0.4500 | +0.0500 | [-0.0100, +0.1000] | 40 |  |');
    expect(md).toContain('Significant: 1 drop(s), 0 gain(s) of 2 groups.');
    expect(md).toContain('- only in base (1): `gone` (repeat 0)');
    expect(md).toContain('- `p1` repeat 0: 0.8000 → 0.1000 (-0.7000)');
    expect(md).toContain('  - [+5] Refers to emergency \\| care: met → not met');
  });
});
