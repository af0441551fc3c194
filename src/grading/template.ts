import { CONVERSATION_PLACEHOLDER, RUBRIC_ITEM_PLACEHOLDER } from './render-prompt.js';

/** sha256 (UTF-8, trimmed) of the official simple-evals GRADER_TEMPLATE (docs/healthbench.md §6). */
export const OFFICIAL_TEMPLATE_SHA256 = '2adffd51fd259554ebcd036ad1072d4aa2b7ce3aec2bbffe36271f911632ed3c';

/** Normalises a template as the official hash is defined: CRLF → LF, then trimmed. */
export function normalizeTemplate(text: string): string {
  return text.replace(/\r\n/g, '\n').trim();
}

/** Problems that make a template unusable (missing placeholders). */
export function templateProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.includes(CONVERSATION_PLACEHOLDER)) problems.push(`template has no ${CONVERSATION_PLACEHOLDER} placeholder`);
  if (!text.includes(RUBRIC_ITEM_PLACEHOLDER)) problems.push(`template has no ${RUBRIC_ITEM_PLACEHOLDER} placeholder`);
  return problems;
}
