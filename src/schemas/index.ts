export { ajv, validateRecord } from './validate.js';
export * from './records.js';
