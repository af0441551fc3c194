import { describe, expect, test } from 'vitest';
import { parseVerdict } from '../../../src/grading/index.js';

const FENCE = '```';

describe('parseVerdict: accepted replies', () => {
  test('a reply in a ```json fence is parsed', () => {
    const reply = `${FENCE}json\n{"explanation": "Sends the child to the ED at once.", "criteria_met": false}\n${FENCE}`;
    expect(parseVerdict(reply)).toEqual({ ok: true, met: false, explanation: 'Sends the child to the ED at once.' });
  });

  test('bare JSON without a fence is parsed', () => {
    expect(parseVerdict('{"explanation": "Mentions drooling.", "criteria_met": true}')).toEqual({
      ok: true,
      met: true,
      explanation: 'Mentions drooling.',
    });
  });

  test('a missing explanation becomes "No explanation provided"', () => {
    expect(parseVerdict('{"criteria_met": true}')).toEqual({ ok: true, met: true, explanation: 'No explanation provided' });
    expect(parseVerdict(`${FENCE}json\n{"criteria_met": false}\n${FENCE}`)).toEqual({
      ok: true,
      met: false,
      explanation: 'No explanation provided',
    });
  });

  test('other keys, nested values included, do not matter', () => {
    const reply = '{"explanation": "ok", "criteria_met": true, "confidence": 0.9, "details": {"sub": [1, {"criteria_met": false}]}}';
    expect(parseVerdict(reply)).toEqual({ ok: true, met: true, explanation: 'ok' });
  });

  test('key order does not matter', () => {
    expect(parseVerdict('{"criteria_met": false, "explanation": "late key"}')).toEqual({
      ok: true,
      met: false,
      explanation: 'late key',
    });
  });

  test.each([
    ['leading and trailing blank lines', `\n\n  {"explanation": "x", "criteria_met": true}  \n\n`],
    ['a fence with no newline around the JSON', `${FENCE}json{"explanation": "x", "criteria_met": true}${FENCE}`],
    ['a fence with several blank lines and spaces', `  ${FENCE}json  \n\n\n{"explanation": "x", "criteria_met": true}\n\n  ${FENCE}  \n`],
    ['CRLF line endings', `${FENCE}json\r\n{\r\n  "explanation": "x",\r\n  "criteria_met": true\r\n}\r\n${FENCE}\r\n`],
    ['tabs inside and around the JSON', `\t${FENCE}json\t\n{\t"explanation":\t"x",\t"criteria_met":\ttrue}\n${FENCE}\t`],
    ['pretty-printed JSON', `${FENCE}json\n{\n    "explanation": "x",\n    "criteria_met": true\n}\n${FENCE}`],
  ])('whitespace variant is accepted: %s', (_name, reply) => {
    expect(parseVerdict(reply)).toEqual({ ok: true, met: true, explanation: 'x' });
  });

  test('an explanation that is not a string is kept as its JSON text', () => {
    expect(parseVerdict('{"explanation": ["a", "b"], "criteria_met": true}')).toEqual({
      ok: true,
      met: true,
      explanation: '["a","b"]',
    });
  });
});

describe('parseVerdict: rejected replies', () => {
  test.each([
    ['prose before the JSON', 'Here is my verdict: {"explanation": "x", "criteria_met": true}'],
    ['prose after the JSON', '{"explanation": "x", "criteria_met": true}\nI hope this helps.'],
    ['prose after a ```json fence', `${FENCE}json\n{"explanation": "x", "criteria_met": true}\n${FENCE}\nDone.`],
    ['prose before a ```json fence', `Verdict:\n${FENCE}json\n{"explanation": "x", "criteria_met": true}\n${FENCE}`],
    ['a bare ``` fence', `${FENCE}\n{"explanation": "x", "criteria_met": true}\n${FENCE}`],
    ['two JSON objects', '{"criteria_met": true}\n{"criteria_met": false}'],
    ['an empty reply', ''],
    ['a whitespace-only reply', '  \n\t '],
    ['truncated JSON', '{"explanation": "x", "criteria_met": tr'],
  ])('not JSON: %s', (_name, reply) => {
    const verdict = parseVerdict(reply);
    expect(verdict.ok).toBe(false);
  });

  test('"criteria_met": "true" as a string is rejected', () => {
    const verdict = parseVerdict('{"explanation": "x", "criteria_met": "true"}');
    expect(verdict).toEqual({ ok: false, reason: expect.stringContaining('not a boolean') });
  });

  test('"criteria_met": 1 is rejected', () => {
    expect(parseVerdict('{"explanation": "x", "criteria_met": 1}')).toEqual({
      ok: false,
      reason: expect.stringContaining('not a boolean'),
    });
  });

  test('"criteria_met": null is rejected', () => {
    expect(parseVerdict('{"explanation": "x", "criteria_met": null}').ok).toBe(false);
  });

  test('a reply that is just 1 is rejected', () => {
    expect(parseVerdict('1')).toEqual({ ok: false, reason: 'reply is not a JSON object' });
  });

  test.each([
    ['true', 'true'],
    ['a JSON string mentioning criteria_met', '"{\\"criteria_met\\": true}"'],
    ['an array holding a verdict', '[{"explanation": "x", "criteria_met": true}]'],
    ['null', 'null'],
  ])('a JSON value that is not an object is rejected: %s', (_name, reply) => {
    expect(parseVerdict(reply)).toEqual({ ok: false, reason: 'reply is not a JSON object' });
  });

  test('an object without "criteria_met" is rejected', () => {
    expect(parseVerdict('{"explanation": "forgot the verdict"}')).toEqual({
      ok: false,
      reason: 'reply has no "criteria_met"',
    });
  });

  test('a differently spelled key is not accepted as criteria_met', () => {
    expect(parseVerdict('{"explanation": "x", "criteriaMet": true}').ok).toBe(false);
    expect(parseVerdict('{"explanation": "x", "Criteria_met": true}').ok).toBe(false);
  });

  test('a ```JSON fence in upper case is not stripped', () => {
    expect(parseVerdict(`${FENCE}JSON\n{"criteria_met": true}\n${FENCE}`).ok).toBe(false);
  });
});
