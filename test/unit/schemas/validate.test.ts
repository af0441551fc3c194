import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/core/errors.js';
import { lazyValidator, validateRecord, validateRubric } from '../../../src/schemas/index.js';

const person = lazyValidator<{ name: string; role: string }>({
  type: 'object',
  properties: { name: { type: 'string' }, role: { type: 'string', enum: ['user', 'assistant'] } },
  required: ['name', 'role'],
  additionalProperties: false,
});

function messages(value: unknown): string[] {
  const checked = validateRecord(person, value, 'people.jsonl', 3);
  return checked.ok ? [] : checked.issues.map(formatIssue);
}

describe('one wording of schema errors', () => {
  it('names a missing field at its own pointer', () => {
    expect(messages({ role: 'user' })).toEqual(["people.jsonl:3 /name: missing required field 'name'"]);
  });

  it('names an unknown field at its pointer, with the closest known one', () => {
    expect(messages({ name: 'a', role: 'user', nmae: 'b' })).toEqual(["people.jsonl:3 /nmae: unknown field 'nmae'; did you mean 'name'?"]);
  });

  it('lists the allowed values of an enum', () => {
    expect(messages({ name: 'a', role: 'robot' })).toEqual(['people.jsonl:3 /role: must be one of: user, assistant']);
  });

  it("uses a schema's hint where the generic message cannot give the fix", () => {
    const checked = validateRecord(validateRubric, { conversationId: 'c', criteria: [{ text: 't', points: 0, tags: [] }] }, 'r.jsonl', 1);
    expect(checked.ok ? [] : checked.issues.map(formatIssue)).toEqual([
      'r.jsonl:1 /criteria/0/points: must not be 0: give the criterion a weight from -10 to 10 (negative for behaviour to penalise), or drop it',
    ]);
  });

  it('compiles a schema only when first used', () => {
    // A schema Ajv rejects would throw at compile time: building the validator must not compile it.
    const broken = lazyValidator({ type: 'no-such-type' });
    expect(() => broken({})).toThrow();
  });
});
