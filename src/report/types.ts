/** The report.json types live in `core/report.ts` (saved types are core); re-exported here for the report folder's readers. */
export * from '../core/report.js';
