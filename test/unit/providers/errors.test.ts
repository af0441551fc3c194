import { describe, expect, test } from 'vitest';
import { redactSecrets, toProviderError } from '../../../src/providers/errors.js';
import { ProviderCallError } from '../../../src/providers/model-client.js';

const KEY = 'hb-test-0b7c1e9a44f2-secret';

describe('redactSecrets', () => {
  test('replaces every occurrence of a known secret', () => {
    const text = `Authorization: Bearer ${KEY}; again=${KEY}; glued${KEY}x`;
    const out = redactSecrets(text, [KEY]);
    expect(out).not.toContain(KEY);
    expect(out).toBe('Authorization: Bearer [REDACTED]; again=[REDACTED]; glued[REDACTED]x');
  });

  test.each([
    ['a classic sk- key', 'sk-AbCdEf0123456789xyz'],
    ['a project key', 'sk-proj-Ab_Cd-Ef0123456789'],
    ['an Anthropic key', 'sk-ant-api03-Zx9_yW8-vU7tS6'],
    ['a masked key echoed in a 401', 'sk-ab***********cd'],
  ])('redacts %s even when it is not in the list', (_name, key) => {
    const out = redactSecrets(`Incorrect API key provided: ${key}. You can find your key at ...`, []);
    expect(out).toBe('Incorrect API key provided: [REDACTED]. You can find your key at ...');
  });

  test('several secrets in one text are all redacted', () => {
    const other = 'another-secret-value';
    expect(redactSecrets(`${KEY} and ${other} and sk-zzzzzzzzzz`, [KEY, other])).toBe('[REDACTED] and [REDACTED] and [REDACTED]');
  });

  test('ordinary text is left alone, including words ending in "sk-"', () => {
    const text = 'The risk-assessment and task-force met; sk-1 is too short to be a key.';
    expect(redactSecrets(text, [])).toBe(text);
  });

  test('secrets shorter than 4 characters are ignored rather than shredding the text', () => {
    expect(redactSecrets('a b c abc', ['a', 'abc'])).toBe('a b c abc');
  });
});

describe('toProviderError', () => {
  test('an SDK error with a status keeps it as the cause, with the key redacted from the message', () => {
    const err = Object.assign(new Error(`401 Incorrect API key provided: ${KEY}`), { status: 401, name: 'AuthenticationError' });
    const mapped = toProviderError(err, [KEY]);
    expect(mapped).toBeInstanceOf(ProviderCallError);
    expect(mapped.status).toBe(401);
    expect(mapped.causeLabel).toBe('HTTP 401');
    expect(mapped.message).not.toContain(KEY);
  });

  test.each([
    ['APIConnectionTimeoutError', 'timeout'],
    ['APIConnectionError', 'connection'],
    ['APIUserAbortError', 'aborted'],
    ['AbortError', 'aborted'],
  ])('%s becomes the cause "%s"', (name, label) => {
    const err = Object.assign(new Error('x'), { name });
    expect(toProviderError(err, []).causeLabel).toBe(label);
  });

  test('an aborted signal wins over anything else', () => {
    const err = Object.assign(new Error('boom'), { status: 500 });
    const mapped = toProviderError(err, [], AbortSignal.abort());
    expect(mapped.causeLabel).toBe('aborted');
    expect(mapped.status).toBeNull();
  });

  test('a thrown non-error is still mapped', () => {
    expect(toProviderError('weird', []).message).toBe('weird');
  });
});
