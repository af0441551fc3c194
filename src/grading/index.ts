export {
  renderConversation,
  renderRubricItem,
  renderGraderPrompt,
  sharedPrefixLength,
  fillTemplate,
  CONVERSATION_PLACEHOLDER,
  RUBRIC_ITEM_PLACEHOLDER,
} from './render-prompt.js';
export { parseVerdict, type VerdictParse } from './parse-verdict.js';
export { OFFICIAL_TEMPLATE_SHA256, normalizeTemplate, templateProblems } from './template.js';
export {
  renderBatchedPrompt,
  parseBatchedVerdicts,
  batchItemId,
  batchedTemplateProblems,
  RUBRIC_ITEMS_PLACEHOLDER,
  RUBRIC_ITEMS_OPEN,
  RUBRIC_ITEMS_CLOSE,
  BATCHED_TEMPLATE_FILE,
  BATCHED_GRADING_NOTE,
  type BatchItem,
  type BatchVerdict,
  type BatchedParse,
} from './batched.js';
