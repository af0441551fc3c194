export {
  decodePointer,
  encodePointerSegment,
  issueFromAjvError,
  issuesFromAjvErrors,
  lazyValidator,
  validateRecord,
  type ErrorHint,
  type LazyValidator,
  type LineOf,
} from './validate.js';
export * from './records.js';
