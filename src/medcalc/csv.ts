/**
 * Edge loaders for MedCalc-Bench files: the 14-column test CSV, the corrected-labels CSV and the
 * one-shot exemplar JSON. Every problem becomes a located DataIssue; all are thrown together.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DataValidationError, type DataIssue } from '../core/errors.js';
import { MEDCALC_CATEGORIES, ruleForCalculator } from './calculators.js';
import { parseExemplarsJson } from './exemplars.js';
import type { MedcalcCorrectedLabel, MedcalcExemplar, MedcalcRow } from './types.js';

/** The 14 columns of `test_data.csv`, in order. */
export const MEDCALC_COLUMNS = [
  'Row Number',
  'Calculator ID',
  'Calculator Name',
  'Category',
  'Output Type',
  'Note ID',
  'Note Type',
  'Patient Note',
  'Question',
  'Relevant Entities',
  'Ground Truth Answer',
  'Lower Limit',
  'Upper Limit',
  'Ground Truth Explanation',
] as const;

/** The 7 columns of `medcalc_v1_corrected.csv`, in order. */
export const CORRECTED_LABEL_COLUMNS = [
  'Unique ID',
  'Calculator Name',
  'Question',
  'Patient Note',
  'Ground Truth Answer',
  'Lower Limit',
  'Upper Limit',
] as const;

const OUTPUT_TYPES = new Set(['decimal', 'integer', 'date']);
const POSITIVE_INT_RE = /^[1-9]\d*$/;

interface CsvRecord {
  cells: string[];
  /** 1-based physical line where the record starts. */
  line: number;
}

interface CsvInfo {
  record: string[];
  info: { bytes: number };
}

/**
 * Parse CSV text into records with the line each one starts on. csv-parse's own `lines` counter is
 * the end line (and counts CR and LF separately), so the start line is derived from byte offsets.
 */
function parseRecords(text: string, file: string): CsvRecord[] {
  const buf = Buffer.from(text, 'utf8');
  let parsed: CsvInfo[];
  try {
    parsed = parse(buf, { info: true, relax_column_count: true, skip_empty_lines: true, bom: true }) as unknown as CsvInfo[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new DataValidationError([{ file, line: e.lines ?? 0, pointer: '', message: e.message }]);
  }
  const records: CsvRecord[] = [];
  let offset = 0;
  let line = 1;
  let counted = 0;
  for (const { record, info } of parsed) {
    let start = offset;
    // Skipped empty lines are attributed to the following record.
    while (start < buf.length && (buf[start] === 0x0a || buf[start] === 0x0d)) start++;
    for (; counted < start; counted++) if (buf[counted] === 0x0a) line++;
    records.push({ cells: record, line });
    offset = info.bytes;
  }
  return records;
}

function checkHeader(records: CsvRecord[], expected: readonly string[], file: string): DataIssue[] {
  const header = records[0];
  if (header === undefined) return [{ file, line: 0, pointer: '', message: 'empty file' }];
  if (header.cells.length === expected.length && header.cells.every((c, i) => c === expected[i])) return [];
  return [
    {
      file,
      line: header.line,
      pointer: '',
      message: `header must be exactly ${expected.length} columns "${expected.join(',')}", got "${header.cells.join(',')}"`,
    },
  ];
}

/** Parse and validate the text of a 14-column MedCalc-Bench test CSV. */
export function parseMedcalcCsv(text: string, file: string): MedcalcRow[] {
  const records = parseRecords(text, file);
  const headerIssues = checkHeader(records, MEDCALC_COLUMNS, file);
  if (headerIssues.length > 0) throw new DataValidationError(headerIssues);
  const issues: DataIssue[] = [];
  const rows: MedcalcRow[] = [];
  const rowNumbers = new Map<number, number>();
  const noteKeys = new Map<string, number>();
  for (const { cells, line } of records.slice(1)) {
    const at = (column: string, message: string): void => {
      issues.push({ file, line, pointer: column === '' ? '' : `/${column}`, message });
    };
    if (cells.length !== MEDCALC_COLUMNS.length) {
      at('', `expected ${MEDCALC_COLUMNS.length} fields, got ${cells.length}`);
      continue;
    }
    const cell = (i: number): string => cells[i] ?? '';
    const before = issues.length;
    const rowNumberText = cell(0);
    const idText = cell(1);
    if (!POSITIVE_INT_RE.test(rowNumberText)) at('Row Number', `must be a positive integer, got "${rowNumberText}"`);
    if (!POSITIVE_INT_RE.test(idText)) at('Calculator ID', `must be a positive integer, got "${idText}"`);
    else if (ruleForCalculator(Number(idText)) === null) at('Calculator ID', `unknown calculator ${idText} (no scoring rule)`);
    if (!(cell(3) in MEDCALC_CATEGORIES)) {
      at('Category', `must be one of ${Object.keys(MEDCALC_CATEGORIES).join(', ')}, got "${cell(3)}"`);
    }
    if (!OUTPUT_TYPES.has(cell(4))) at('Output Type', `must be decimal, integer or date, got "${cell(4)}"`);
    for (const i of [2, 5, 7, 8, 10, 11, 12]) {
      const name = MEDCALC_COLUMNS[i] ?? '';
      if (cell(i).trim() === '') at(name, 'must not be empty');
    }
    const rowNumber = Number(rowNumberText);
    const firstLine = rowNumbers.get(rowNumber);
    if (POSITIVE_INT_RE.test(rowNumberText)) {
      if (firstLine !== undefined) at('Row Number', `duplicate Row Number ${rowNumber} (first on line ${firstLine})`);
      else rowNumbers.set(rowNumber, line);
    }
    const noteKey = `${idText}\u0000${cell(5)}`;
    const firstNote = noteKeys.get(noteKey);
    if (firstNote !== undefined) at('Note ID', `duplicate (Calculator ID, Note ID) (${idText}, ${cell(5)}) (first on line ${firstNote})`);
    else noteKeys.set(noteKey, line);
    if (issues.length > before) continue;
    rows.push({
      rowNumber,
      calculatorId: Number(idText),
      calculatorName: cell(2),
      category: cell(3),
      outputType: cell(4),
      noteId: cell(5),
      noteType: cell(6),
      patientNote: cell(7),
      question: cell(8),
      groundTruth: cell(10),
      lowerLimit: cell(11),
      upperLimit: cell(12),
      explanation: cell(13),
    });
  }
  if (issues.length > 0) throw new DataValidationError(issues);
  return rows;
}

/** Parse and validate the text of `medcalc_v1_corrected.csv`. */
export function parseCorrectedLabelsCsv(text: string, file: string): MedcalcCorrectedLabel[] {
  const records = parseRecords(text, file);
  const headerIssues = checkHeader(records, CORRECTED_LABEL_COLUMNS, file);
  if (headerIssues.length > 0) throw new DataValidationError(headerIssues);
  const issues: DataIssue[] = [];
  const labels: MedcalcCorrectedLabel[] = [];
  for (const { cells, line } of records.slice(1)) {
    const at = (column: string, message: string): void => {
      issues.push({ file, line, pointer: column === '' ? '' : `/${column}`, message });
    };
    if (cells.length !== CORRECTED_LABEL_COLUMNS.length) {
      at('', `expected ${CORRECTED_LABEL_COLUMNS.length} fields, got ${cells.length}`);
      continue;
    }
    const cell = (i: number): string => cells[i] ?? '';
    const before = issues.length;
    if (!POSITIVE_INT_RE.test(cell(0))) at('Unique ID', `must be a positive integer, got "${cell(0)}"`);
    for (const i of [4, 5, 6]) if (cell(i).trim() === '') at(CORRECTED_LABEL_COLUMNS[i] ?? '', 'must not be empty');
    if (issues.length > before) continue;
    labels.push({
      rowNumber: Number(cell(0)),
      calculatorName: cell(1),
      question: cell(2),
      patientNote: cell(3),
      groundTruth: cell(4),
      lowerLimit: cell(5),
      upperLimit: cell(6),
      source: { file, line },
    });
  }
  if (issues.length > 0) throw new DataValidationError(issues);
  return labels;
}

async function readText(path: string, display: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new DataValidationError([{ file: display, line: 0, pointer: '', message: `cannot read: ${(err as Error).message}` }]);
  }
}

/** Load a 14-column MedCalc-Bench test CSV (v1.0 `test_data.csv` format); problems name the file as `display`. */
export async function loadMedcalcCsv(path: string, display: string = path): Promise<MedcalcRow[]> {
  return parseMedcalcCsv(await readText(path, display), display);
}

/** Load `medcalc_v1_corrected.csv` (join to the test rows with `applyLabels`). */
export async function loadCorrectedLabels(path: string, display: string = path): Promise<MedcalcCorrectedLabel[]> {
  return parseCorrectedLabelsCsv(await readText(path, display), display);
}

/** Load a one-shot exemplar JSON file, keyed by calculator ID. */
export async function loadExemplars(path: string, display: string = path): Promise<Map<number, MedcalcExemplar>> {
  return parseExemplarsJson(await readText(path, display), display);
}
