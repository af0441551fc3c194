import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  CONVERSATION_PLACEHOLDER,
  OFFICIAL_TEMPLATE_SHA256,
  RUBRIC_ITEM_PLACEHOLDER,
  normalizeTemplate,
  templateProblems,
} from '../../../src/grading/index.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
/** The check docs §6 describes: normalise, hash, compare with the official hash. */
const isOfficial = (text: string): 'yes' | 'no' => (sha256(normalizeTemplate(text)) === OFFICIAL_TEMPLATE_SHA256 ? 'yes' : 'no');

const MADE_UP = 'Judge it.\n\n# Conversation\n<<conversation>>\n\n# Rubric item\n<<rubric_item>>\n\nReply in JSON.';

describe('normalizeTemplate', () => {
  test('turns CRLF into LF and trims surrounding whitespace', () => {
    expect(normalizeTemplate('\r\n  a\r\nb\r\n\r\nc \n\t')).toBe('a\nb\n\nc');
  });

  test('leaves inner whitespace and lone CR alone', () => {
    expect(normalizeTemplate('a  \n  b\rc')).toBe('a  \n  b\rc');
  });

  test('the official hash is a sha256 hex digest', () => {
    expect(OFFICIAL_TEMPLATE_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a made-up template is not official', () => {
    expect(isOfficial(MADE_UP)).toBe('no');
  });

  test('CRLF line endings and surrounding whitespace do not change the hash', () => {
    const variant = `\n\n  ${MADE_UP.replace(/\n/g, '\r\n')}\r\n\r\n`;
    expect(sha256(normalizeTemplate(variant))).toBe(sha256(normalizeTemplate(MADE_UP)));
    expect(sha256(normalizeTemplate(variant))).toBe(sha256(MADE_UP));
  });

  test('a one-character wording change changes the hash', () => {
    expect(sha256(normalizeTemplate(MADE_UP.replace('Judge it.', 'Judge it!')))).not.toBe(sha256(normalizeTemplate(MADE_UP)));
  });
});

describe('templateProblems', () => {
  test('a template with both placeholders has no problems', () => {
    expect(templateProblems(MADE_UP)).toEqual([]);
  });

  test('names the missing conversation placeholder', () => {
    expect(templateProblems('# Rubric item\n<<rubric_item>>')).toEqual([`template has no ${CONVERSATION_PLACEHOLDER} placeholder`]);
  });

  test('names the missing rubric item placeholder', () => {
    expect(templateProblems('# Conversation\n<<conversation>>')).toEqual([`template has no ${RUBRIC_ITEM_PLACEHOLDER} placeholder`]);
  });

  test('lists both when both are missing, including a misspelt one', () => {
    expect(templateProblems('<<Conversation>> <rubric_item>')).toHaveLength(2);
  });
});

describe('the shipped grader template (graders/healthbench-grader.md)', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../graders/healthbench-grader.md', import.meta.url)), 'utf8');

  test('has both placeholders', () => {
    expect(templateProblems(text)).toEqual([]);
  });

  test('has a preamble and the six headed sections in the official order', () => {
    const headings = text.match(/^# .+$/gm);
    expect(headings).toEqual(['# Conversation', '# Rubric item', '# Instructions', '# Example 1', '# Example 2', '# Final instruction']);
    const preamble = text.slice(0, text.indexOf('# Conversation')).trim();
    expect(preamble.length).toBeGreaterThan(0);
  });

  test('puts each placeholder on its own line right under its heading', () => {
    expect(text).toMatch(/^# Conversation\n<<conversation>>$/m);
    expect(text).toMatch(/^# Rubric item\n<<rubric_item>>$/m);
  });

  test('uses each placeholder exactly once', () => {
    expect(text.split(CONVERSATION_PLACEHOLDER)).toHaveLength(2);
    expect(text.split(RUBRIC_ITEM_PLACEHOLDER)).toHaveLength(2);
  });

  test('is our own wording, so it is not reported as official', () => {
    expect(isOfficial(text)).toBe('no');
  });
});
