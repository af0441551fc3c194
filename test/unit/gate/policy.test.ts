import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { DataValidationError, type DataIssue } from '../../../src/core/errors.js';
import { parsePolicy, renderPolicySchemaJson } from '../../../src/gate/index.js';

const docs = (p: string): string => fileURLToPath(new URL(`../../../docs/${p}`, import.meta.url));

function issuesOf(text: string, file: string): DataIssue[] {
  try {
    parsePolicy(text, file);
  } catch (err) {
    if (err instanceof DataValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicy', () => {
  test('accepts a YAML policy with every kind of rule', () => {
    const policy = parsePolicy(
      [
        'minOverall: 0.45',
        'minByTheme: { emergency_referrals: 0.5, "theme:hedging": 0.3 }',
        'minByTag:',
        '  cluster:emergent_referral: 0.3',
        'maxErrorRate: 0.05',
        'maxDrop:',
        '  overall: 0.02',
        '  anyGroup: 0.05',
        '  requireSignificant: true',
      ].join('\n'),
      'policy.yaml',
    );
    expect(policy).toEqual({
      minOverall: 0.45,
      minByTheme: { emergency_referrals: 0.5, 'theme:hedging': 0.3 },
      minByTag: { 'cluster:emergent_referral': 0.3 },
      maxErrorRate: 0.05,
      maxDrop: { overall: 0.02, anyGroup: 0.05, requireSignificant: true },
    });
  });

  test('accepts the same policy as JSON', () => {
    expect(parsePolicy('{"minOverall": 0.45, "maxDrop": {"overall": 0.02}}', 'p.json')).toEqual({
      minOverall: 0.45,
      maxDrop: { overall: 0.02 },
    });
  });

  test('reports every YAML problem with its line and pointer', () => {
    const text = [
      '# release gate',
      'minOverall: 1.5',
      'minByTheme:',
      '  emergency_referrals: high',
      'maxDrop:',
      '  overal: 0.02',
      '  requireSignificant: yes',
    ].join('\n');
    expect(issuesOf(text, 'gate.yaml')).toEqual([
      { file: 'gate.yaml', line: 2, pointer: '/minOverall', message: 'must be <= 1' },
      { file: 'gate.yaml', line: 4, pointer: '/minByTheme/emergency_referrals', message: 'must be number' },
      { file: 'gate.yaml', line: 6, pointer: '/maxDrop/overal', message: "unknown field 'overal'; did you mean 'overall'?" },
      { file: 'gate.yaml', line: 7, pointer: '/maxDrop/requireSignificant', message: 'must be boolean' },
    ]);
  });

  test('points a malformed key at its own line', () => {
    const text = ['minByLanguage:', '  en: 0.4', '  English: 0.4'].join('\n');
    expect(issuesOf(text, 'p.yml')).toEqual([
      { file: 'p.yml', line: 3, pointer: '/minByLanguage/English', message: `key 'English' must match pattern "^[a-z]{2,3}$"` },
    ]);
  });

  test('maps ajv pointers to JSON lines too', () => {
    const text = ['{', '  "minOverall": 0.45,', '  "maxDrop": {', '    "overall": -0.1', '  },', '  "extra": 1', '}'].join('\n');
    const issues = issuesOf(text, 'gate.json');
    expect(issues).toContainEqual({ file: 'gate.json', line: 4, pointer: '/maxDrop/overall', message: 'must be >= 0' });
    expect(issues).toContainEqual({ file: 'gate.json', line: 6, pointer: '/extra', message: "unknown field 'extra'" });
  });

  test('rejects YAML-only syntax in a .json file with the line of the JSON error', () => {
    const [issue] = issuesOf('{\n  "minOverall": 0.4,\n}\n', 'gate.json');
    expect(issue?.line).toBe(3);
    expect(issue?.message).toMatch(/^invalid JSON: /);
  });

  test('reports YAML syntax errors with their line', () => {
    const [issue] = issuesOf('minOverall: 0.4\nminByTheme: [0.2\n', 'p.yaml');
    expect(issue?.file).toBe('p.yaml');
    expect(issue?.line).toBeGreaterThan(0);
    expect(issue?.message).toMatch(/^invalid YAML: /);
  });

  test('rejects a top-level list', () => {
    expect(issuesOf('- 0.4\n', 'p.yaml')).toEqual([{ file: 'p.yaml', line: 1, pointer: '', message: 'must be object' }]);
  });

  test('formats issues as file:line /pointer: message in the error text', () => {
    expect(() => parsePolicy('minOverall: 2\n', 'gate.yaml')).toThrow('gate.yaml:1 /minOverall: must be <= 1');
  });
});

describe('policy documentation', () => {
  test('docs/gate-policy.schema.json is generated from the schema in src/gate/policy.ts', async () => {
    // Regenerate after a schema change with: npx vitest run test/unit/gate/policy.test.ts -u
    await expect(renderPolicySchemaJson()).toMatchFileSnapshot(docs('gate-policy.schema.json'));
  });

  test('the example release policy is valid', () => {
    const file = docs('examples/release-policy.yaml');
    const policy = parsePolicy(readFileSync(file, 'utf8'), file);
    expect(policy.minOverall).toBe(0.45);
    expect(policy.maxDrop?.requireSignificant).toBe(true);
  });
});
