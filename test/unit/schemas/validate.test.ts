import { Ajv, type AnySchema } from 'ajv';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../../src/core/errors.js';
import { lazyValidator, validateRecord, validateRubric } from '../../../src/schemas/index.js';
import { ucs2length } from '../../../src/schemas/runtime.js';
import { AJV_OPTIONS, schemaKey, type PrecompiledTable } from '../../../src/schemas/validate.js';

/** The table `npm run schemas` would generate for one schema, compiled here instead. */
function tableOf(schema: AnySchema): PrecompiledTable {
  return { [schemaKey(schema)]: new Ajv(AJV_OPTIONS).compile(schema) };
}

const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, role: { type: 'string', enum: ['user', 'assistant'] } },
  required: ['name', 'role'],
  additionalProperties: false,
};
const person = lazyValidator<{ name: string; role: string }>(personSchema, { precompiled: tableOf(personSchema) });

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

  it('a schema changed since the tables were generated is never checked by a stale validator: it says to regenerate', () => {
    const edited = { ...personSchema, required: ['name'] };
    expect(schemaKey(edited)).not.toBe(schemaKey(personSchema));
    // Declaring it is fine (modules declare their validators when loaded); the first use names the fix.
    const stale = lazyValidator({ ...edited, title: 'person' }, { precompiled: tableOf(personSchema) });
    expect(() => stale({ name: 'a' })).toThrow(/no precompiled validator for the schema 'person' .*run `npm run schemas`/);
  });
});

describe('ucs2length (the precompiled validators’ minLength/maxLength)', () => {
  it('counts code points: a surrogate pair is one, a lone or reversed surrogate is one each', () => {
    expect(['', 'abc', 'a\u{1F600}b', '\uD83D', '\uDE00\uD83D', 'é'].map(ucs2length)).toEqual([0, 3, 3, 1, 2, 1]);
  });
});
