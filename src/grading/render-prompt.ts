import type { Message } from '../core/types.js';

export const CONVERSATION_PLACEHOLDER = '<<conversation>>';
export const RUBRIC_ITEM_PLACEHOLDER = '<<rubric_item>>';

/**
 * A conversation line that could read as a section heading of either grader template: optional indentation
 * (spaces, tabs, zero-width characters), any number of `#` (or fullwidth `＃`), optional spaces, then a section
 * word (Conversation, Rubric..., Instruction..., Example..., Final...) in any case, with any trailing text.
 */
const HEADING = /^([ \t\u00a0\u200b-\u200d\ufeff]*)([#\uff03]+[ \t]*(?:conversation|rubric|instruction|example|final)[^\n]*)$/gimu;

/**
 * Renders messages as the reference does: `role: content`, joined by a blank line, content verbatim.
 * One deliberate difference: a line inside a message that could pass for one of the templates' section
 * headings starts with a backslash (`\# Rubric item`), so a response cannot open a fake section.
 */
export function renderConversation(messages: readonly Message[]): string {
  return messages.map((m) => `${m.role}: ${m.content.replace(HEADING, '\\$1$2')}`).join('\n\n');
}

/** `[points] criterion`, as Python's f-string prints an integer weight. */
export function renderRubricItem(points: number, text: string): string {
  return `[${points}] ${text}`;
}

/**
 * Fills the template in one pass: the template is cut at its placeholders and the values are put in
 * between, so text inside the conversation (a `<<rubric_item>>`, a `$&`) is never expanded again.
 * (The reference replaces sequentially, so a placeholder inside the conversation would be expanded;
 * we do not copy that.)
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const names = Object.keys(values);
  if (names.length === 0) return template;
  const pattern = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  let out = '';
  let last = 0;
  for (const m of template.matchAll(pattern)) {
    out += template.slice(last, m.index) + (values[m[0]] ?? m[0]);
    last = m.index + m[0].length;
  }
  return out + template.slice(last);
}

/** The grader prompt for one rubric item (docs/healthbench.md §6): conversation sent + response, then the item. */
export function renderGraderPrompt(template: string, messagesSent: readonly Message[], response: string, rubricItem: string): string {
  const conversation = renderConversation([...messagesSent, { role: 'assistant', content: response }]);
  return fillTemplate(template, { [CONVERSATION_PLACEHOLDER]: conversation, [RUBRIC_ITEM_PLACEHOLDER]: rubricItem });
}

/**
 * How many leading characters every grader prompt of one sample shares (the template up to and including
 * the conversation), for provider prompt caching; 0 when the template puts the rubric item first.
 */
export function sharedPrefixLength(template: string, messagesSent: readonly Message[], response: string): number {
  const at = template.indexOf(CONVERSATION_PLACEHOLDER);
  const item = template.indexOf(RUBRIC_ITEM_PLACEHOLDER);
  if (at < 0 || (item >= 0 && item < at)) return 0;
  return at + renderConversation([...messagesSent, { role: 'assistant', content: response }]).length;
}
