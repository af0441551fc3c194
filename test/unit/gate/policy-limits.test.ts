import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataValidationError } from '../../../src/core/errors.js';
import { readPolicyFile } from '../../../src/gate/read-policy.js';
import { MAX_POLICY_ALIASES, MAX_POLICY_KEYS, policyLimitIssues } from '../../../src/gate/policy-limits.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hb-policy-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tagKeys = (n: number): string => `minByTag:\n${Array.from({ length: n }, (_, i) => `  cluster:k${i}: 0.1`).join('\n')}\n`;

describe('policy limits (issue #17.11)', () => {
  test('keys are counted by their separators, not by colons inside tag names', () => {
    // `minByTag` plus MAX - 1 tag keys, each with a colon in its name: exactly at the limit.
    expect(policyLimitIssues(tagKeys(MAX_POLICY_KEYS - 1), 'p.yaml')).toEqual([]);
    expect(policyLimitIssues(tagKeys(MAX_POLICY_KEYS + 1), 'p.yaml')).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/more than 1000 keys/) }),
    ]);
    const json = JSON.stringify({
      minByTag: Object.fromEntries(Array.from({ length: MAX_POLICY_KEYS + 1 }, (_, i) => [`cluster:k${i}`, 0.1])),
    });
    expect(policyLimitIssues(json, 'p.json')).toHaveLength(1);
  });

  test('aliases beyond the cap are refused before parsing', () => {
    const text = ['base: &b 0.5', ...Array.from({ length: MAX_POLICY_ALIASES + 1 }, (_, i) => `k${i}: *b`)].join('\n');
    expect(policyLimitIssues(text, 'p.yaml')).toEqual([expect.objectContaining({ message: expect.stringMatching(/YAML aliases/) })]);
  });

  test('a small alias bomb under the alias cap is stopped by the parser guard and reported as bad input', async () => {
    const levels = ['l0: &l0 [x, x, x, x]', ...Array.from({ length: 7 }, (_, i) => `l${i + 1}: &l${i + 1} [*l${i}, *l${i}]`)];
    const file = join(dir, 'bomb.yaml');
    await writeFile(file, `${levels.join('\n')}\nminOverall: 0.5\n`);
    expect(policyLimitIssues(levels.join('\n'), 'bomb.yaml')).toEqual([]);
    const err = await readPolicyFile(file, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as DataValidationError).message).toMatch(/bomb\.yaml .*alias/i);
  });

  test('a file over 1 MB is refused from its size, without being read', async () => {
    const file = join(dir, 'big.yaml');
    await writeFile(file, `description: "${'x'.repeat(1024 * 1024)}"\n`);
    const err = await readPolicyFile(file, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataValidationError);
    expect((err as DataValidationError).message).toMatch(/1 MB limit/);
  });

  test('an ordinary policy is within every limit', async () => {
    const file = join(dir, 'ok.yaml');
    await writeFile(file, 'minOverall: 0.4\nmaxErrorRate: 0.05\nminByTheme: { hedging: 0.3 }\n');
    expect(await readPolicyFile(file, dir)).toEqual({ minOverall: 0.4, maxErrorRate: 0.05, minByTheme: { hedging: 0.3 } });
  });
});
