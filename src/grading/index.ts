export { renderConversation, renderRubricItem, renderGraderPrompt, fillTemplate, CONVERSATION_PLACEHOLDER, RUBRIC_ITEM_PLACEHOLDER } from './render-prompt.js';
export { parseVerdict, type VerdictParse } from './parse-verdict.js';
export { OFFICIAL_TEMPLATE_SHA256, normalizeTemplate, templateProblems } from './template.js';
