import { describe, expect, test } from 'vitest';
import { parseMetaRecord } from '../../../src/meta/index.js';
import type { DataIssue } from '../../../src/core/errors.js';

function valid(): Record<string, unknown> {
  return {
    prompt: [
      { role: 'user', content: 'Is a fever of 38.5 C in an adult dangerous?' },
      { role: 'assistant', content: 'How long has it lasted?' },
      { role: 'user', content: 'Two days.' },
    ],
    completion: 'Usually not on its own; see a doctor if it passes three days or you feel very unwell.',
    prompt_id: 'pid-1',
    completion_id: 'cid-1',
    rubric: 'Explains when to seek care for a fever.',
    category: 'cluster:hedging_no-uncertainty_hedges',
    binary_labels: [true, false, true],
    anonymized_physician_ids: ['doc-1', 'doc-2', 'doc-3'],
  };
}

function issuesOf(value: unknown): DataIssue[] {
  const result = parseMetaRecord(value, 'meta.jsonl', 7);
  if (!('issues' in result)) throw new Error('expected issues');
  return result.issues;
}

describe('parseMetaRecord', () => {
  test('converts a valid official row to camelCase', () => {
    const result = parseMetaRecord(valid(), 'meta.jsonl', 1);
    expect(result).toEqual({
      row: {
        promptId: 'pid-1',
        completionId: 'cid-1',
        prompt: [
          { role: 'user', content: 'Is a fever of 38.5 C in an adult dangerous?' },
          { role: 'assistant', content: 'How long has it lasted?' },
          { role: 'user', content: 'Two days.' },
        ],
        completion: 'Usually not on its own; see a doctor if it passes three days or you feel very unwell.',
        rubric: 'Explains when to seek care for a fever.',
        category: 'cluster:hedging_no-uncertainty_hedges',
        binaryLabels: [true, false, true],
        physicianIds: ['doc-1', 'doc-2', 'doc-3'],
      },
    });
  });

  test('accepts the optional canary and ignores unknown extra columns', () => {
    const result = parseMetaRecord({ ...valid(), canary: 'some-canary', extra: 1 }, 'meta.jsonl', 1);
    expect('row' in result).toBe(true);
  });

  test('reports a missing field at its own pointer, with file and line', () => {
    const value = valid();
    delete value['completion_id'];
    expect(issuesOf(value)).toEqual([
      { file: 'meta.jsonl', line: 7, pointer: '/completion_id', message: "missing required field 'completion_id'" },
    ]);
  });

  test('collects every problem at once, each with a JSON pointer', () => {
    const value = {
      ...valid(),
      prompt: [{ role: 'doctor', content: 'hi' }, { role: 'user' }],
      binary_labels: [true, 'yes'],
      anonymized_physician_ids: ['doc-1', 'doc-2'],
      category: 'hedging_no-uncertainty_hedges',
      rubric: 42,
    };
    const issues = issuesOf(value);
    const byPointer = new Map(issues.map((i) => [i.pointer, i.message]));
    expect(byPointer.get('/prompt/0/role')).toBe('must be one of: system, user, assistant');
    expect(byPointer.get('/prompt/1/content')).toBe("missing required field 'content'");
    expect(byPointer.get('/binary_labels/1')).toBe('must be boolean');
    expect(byPointer.get('/category')).toBe('must start with "cluster:"');
    expect(byPointer.get('/rubric')).toBe('must be string');
    expect(issues.every((i) => i.file === 'meta.jsonl' && i.line === 7)).toBe(true);
  });

  test('requires one physician id per label', () => {
    const issues = issuesOf({ ...valid(), anonymized_physician_ids: ['doc-1', 'doc-2'] });
    expect(issues).toEqual([
      {
        file: 'meta.jsonl',
        line: 7,
        pointer: '/anonymized_physician_ids',
        message: 'must have one id per label: 2 ids for 3 binary_labels',
      },
    ]);
  });

  test('rejects empty label lists and empty prompts', () => {
    const issues = issuesOf({ ...valid(), binary_labels: [], anonymized_physician_ids: [], prompt: [] });
    expect(issues.map((i) => i.pointer).sort()).toEqual(['/anonymized_physician_ids', '/binary_labels', '/prompt']);
  });

  test('reports a non-object line at the root pointer', () => {
    expect(issuesOf([1, 2])).toEqual([{ file: 'meta.jsonl', line: 7, pointer: '', message: 'must be object' }]);
    expect(issuesOf(null)[0]?.pointer).toBe('');
  });
});
