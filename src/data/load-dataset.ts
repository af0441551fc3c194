import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataValidationError, UsageError, type DataIssue } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { MEDCALC_DATASETS } from '../medcalc/datasets.js';
import type { Example, Message } from '../core/types.js';
import {
  validateConversation,
  validateOfficialRecord,
  validateRecord,
  validateRubric,
  type ConversationRecord,
  type OfficialRecord,
  type RubricRecord,
} from '../schemas/index.js';
import { parseJsonLine, readJsonValues, readRawLines } from '../store/jsonl.js';
import { fetchToCache, sha256File } from './download.js';
import { OFFICIAL_BASE_URL, OFFICIAL_FILES } from './official.js';
import { LAYOUT_NAMES, layoutOf, neitherLayoutIssue, readProfessionalRecord, type RecordLayout } from './professional.js';

/** The package root (holds conversations/, rubrics/, graders/), from src/ or dist/ alike. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** A loaded, validated dataset whose examples are streamed on demand (memory stays flat). */
export interface Dataset {
  name: string;
  /** sha256 of the file bytes (official format) or of the directory's files (own format). */
  sha256: string;
  officialSha256: 'match' | 'mismatch' | 'unknown' | 'n/a';
  /** Example ids in dataset order. */
  ids: string[];
  /** The record layout of a JSONL file (absent for our own format and the demo). */
  layout?: RecordLayout;
  /** Yields the examples whose dataset index is in `indices` (all when null), in dataset order. */
  iterate(indices: ReadonlySet<number> | null): AsyncGenerator<{ index: number; example: Example }>;
}

export const DATASET_NAMES = ['healthbench', 'healthbench-hard', 'healthbench-consensus', 'healthbench-professional', 'demo'] as const;

function lastTurnIssue(messages: readonly Message[], file: string, line: number, base: string): DataIssue | null {
  const last = messages[messages.length - 1];
  if (last && last.role !== 'user') {
    return { file, line, pointer: `${base}/${messages.length - 1}/role`, message: 'the conversation must end with a user turn' };
  }
  return null;
}

function themeIssue(tags: readonly string[], file: string, line: number, pointer: string): DataIssue | null {
  const themes = tags.filter((t) => t.startsWith('theme:'));
  return themes.length > 1 ? { file, line, pointer, message: `more than one theme tag: ${themes.join(', ')}` } : null;
}

/** Converts a validated official record into an Example. */
export function fromOfficialRecord(r: OfficialRecord): Example {
  return {
    id: r.prompt_id,
    messages: r.prompt.map((m) => ({ role: m.role, content: m.content })),
    rubric: r.rubrics.map((c) => ({ text: c.criterion, points: c.points, tags: c.tags })),
    tags: r.example_tags,
    language: null,
    ideal: r.ideal_completions_data
      ? {
          idealCompletion: r.ideal_completions_data.ideal_completion,
          group: r.ideal_completions_data.ideal_completions_group,
          refCompletions: r.ideal_completions_data.ideal_completions_ref_completions,
        }
      : null,
  };
}

/** Checks one record of the original layout: the problems, or its id. */
function checkOfficialRecord(value: unknown, display: string, line: number): { issues: DataIssue[]; id: string | null } {
  const checked = validateRecord(validateOfficialRecord, value, display, line);
  if (!checked.ok) return { issues: checked.issues, id: null };
  const r = checked.value;
  const issues = [lastTurnIssue(r.prompt, display, line, '/prompt'), themeIssue(r.example_tags, display, line, '/example_tags')];
  return { issues: issues.filter((i): i is DataIssue => i !== null), id: r.prompt_id };
}

/** Checks one record against the file's layout (set by its first record in either layout). */
function checkRecord(
  value: unknown,
  display: string,
  line: number,
  file: { layout: RecordLayout | null; firstLine: number },
): { issues: DataIssue[]; id: string | null } {
  const layout = layoutOf(value);
  if (layout === null) return { issues: [neitherLayoutIssue(value, display, line)], id: null };
  if (file.layout === null) {
    file.layout = layout;
    file.firstLine = line;
  } else if (layout !== file.layout) {
    const message = `this record is in the ${LAYOUT_NAMES[layout]} layout but the file is in the ${LAYOUT_NAMES[file.layout]} layout (line ${file.firstLine}); one file holds one layout`;
    return { issues: [{ file: display, line, pointer: '', message }], id: null };
  }
  if (layout === 'healthbench') return checkOfficialRecord(value, display, line);
  const read = readProfessionalRecord(value, display, line);
  return read.ok ? { issues: [], id: read.example.id } : { issues: read.issues, id: null };
}

/**
 * First pass over a HealthBench JSONL file in either layout (original or Professional, detected from its records):
 * every problem collected, ids listed, nothing else kept.
 */
async function scanJsonl(path: string, display: string): Promise<{ ids: string[]; issues: DataIssue[]; layout: RecordLayout }> {
  const ids: string[] = [];
  const seen = new Map<string, number>();
  const issues: DataIssue[] = [];
  const file = { layout: null as RecordLayout | null, firstLine: 0 };
  for await (const { line, value } of readJsonValues(path, display, issues)) {
    const checked = checkRecord(value, display, line, file);
    issues.push(...checked.issues);
    if (checked.id === null) continue;
    const first = seen.get(checked.id);
    const idPointer = file.layout === 'professional' && 'id' in (value as object) ? '/id' : '/prompt_id';
    if (first !== undefined) {
      issues.push({ file: display, line, pointer: idPointer, message: `duplicate id '${checked.id}' (first at line ${first})` });
    } else seen.set(checked.id, line);
    ids.push(checked.id);
  }
  if (ids.length === 0 && issues.length === 0) issues.push({ file: display, line: 0, pointer: '', message: 'no records' });
  return { ids, issues, layout: file.layout ?? 'healthbench' };
}

/** A record of a validated file as an Example. */
function toExample(text: string, layout: RecordLayout): Example {
  const value: unknown = JSON.parse(text);
  if (layout === 'healthbench') return fromOfficialRecord(value as OfficialRecord);
  const read = readProfessionalRecord(value, '', 0);
  if (!read.ok) throw new Error(`record changed after validation: ${read.issues[0]?.message ?? ''}`);
  return read.example;
}

/**
 * Opens a HealthBench `.jsonl` / `.jsonl.gz` file in the original or the Professional layout: validated in one
 * streaming pass, examples streamed later.
 */
export async function openOfficialJsonl(
  path: string,
  opts: { name: string; officialSha256: string | null; cwd: string },
): Promise<Dataset> {
  const display = relative(opts.cwd, path) || path;
  const [{ ids, issues, layout }, sha256] = await Promise.all([scanJsonl(path, display), sha256File(path)]);
  if (issues.length > 0) throw new DataValidationError(issues);
  return {
    name: opts.name,
    sha256,
    officialSha256: opts.officialSha256 === null ? 'unknown' : sha256 === opts.officialSha256 ? 'match' : 'mismatch',
    ids,
    layout,
    async *iterate(indices) {
      let index = 0;
      for await (const { text } of readRawLines(path)) {
        if (indices === null || indices.has(index)) yield { index, example: toExample(text, layout) };
        index += 1;
      }
    },
  };
}

async function listJsonl(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => null);
  if (names === null) return [];
  return names
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .map((n) => join(dir, n));
}

/** Reads and checks our own format: conversation files and rubric files, joined by id. */
export async function loadOwnFormat(
  conversationFiles: readonly string[],
  rubricFiles: readonly string[],
  cwd: string,
): Promise<{ examples: Example[]; sha256: string; counts: { conversations: number; rubrics: number } }> {
  const issues: DataIssue[] = [];
  // Ids of records that failed validation still count for cross-references, so one broken record
  // yields one problem, not a second "no conversation" / "no rubric" echo.
  const brokenConversationIds = new Set<string>();
  const brokenRubricIds = new Set<string>();
  const idOf = (value: unknown, key: string): string | null => {
    const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    return typeof v === 'string' ? v : null;
  };
  const hash = createHash('sha256');
  const conversations = new Map<string, { record: ConversationRecord; where: string }>();
  const rubrics = new Map<string, { record: RubricRecord; where: string; file: string; line: number }>();
  const readAll = async (file: string, onRecord: (value: unknown, display: string, line: number) => void): Promise<void> => {
    const display = relative(cwd, file) || file;
    const bytes = await readFile(file).catch((err: Error) => {
      issues.push({ file: display, line: 0, pointer: '', message: `cannot read: ${err.message}` });
      return null;
    });
    if (bytes === null) return;
    hash
      .update(`${basename(file)}\0`)
      .update(bytes)
      .update('\0');
    const lines = bytes.toString('utf8').split('\n');
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      const parsed = parseJsonLine(text);
      if (!parsed.ok) issues.push({ file: display, line: i + 1, pointer: '', message: parsed.message });
      else onRecord(parsed.value, display, i + 1);
    });
  };
  for (const file of conversationFiles) {
    await readAll(file, (value, display, line) => {
      const checked = validateRecord(validateConversation, value, display, line);
      if (!checked.ok) {
        const id = idOf(value, 'id');
        if (id !== null) brokenConversationIds.add(id);
        return void issues.push(...checked.issues);
      }
      const r = checked.value;
      const turn = lastTurnIssue(r.messages, display, line, '/messages');
      if (turn) issues.push(turn);
      const theme = themeIssue(r.tags ?? [], display, line, '/tags');
      if (theme) issues.push(theme);
      const prev = conversations.get(r.id);
      if (prev) issues.push({ file: display, line, pointer: '/id', message: `duplicate id '${r.id}' (first at ${prev.where})` });
      else conversations.set(r.id, { record: r, where: `${display}:${line}` });
    });
  }
  for (const file of rubricFiles) {
    await readAll(file, (value, display, line) => {
      const checked = validateRecord(validateRubric, value, display, line);
      if (!checked.ok) {
        const id = idOf(value, 'conversationId');
        if (id !== null) brokenRubricIds.add(id);
        return void issues.push(...checked.issues);
      }
      const r = checked.value;
      const prev = rubrics.get(r.conversationId);
      if (prev) {
        issues.push({
          file: display,
          line,
          pointer: '/conversationId',
          message: `second rubric for '${r.conversationId}' (first at ${prev.where})`,
        });
      } else rubrics.set(r.conversationId, { record: r, where: `${display}:${line}`, file: display, line });
    });
  }
  if (conversationFiles.length > 0 && rubricFiles.length > 0) {
    for (const [id, r] of rubrics) {
      if (!conversations.has(id) && !brokenConversationIds.has(id)) {
        issues.push({ file: r.file, line: r.line, pointer: '/conversationId', message: `no conversation with id '${id}'` });
      }
    }
    for (const [id, c] of conversations) {
      if (!rubrics.has(id) && !brokenRubricIds.has(id)) {
        const [file = '', line = '0'] = c.where.split(/:(?=\d+$)/);
        issues.push({ file, line: Number(line), pointer: '/id', message: `conversation '${id}' has no rubric` });
      }
    }
  }
  if (issues.length > 0) throw new DataValidationError(issues);
  const examples: Example[] = [];
  for (const [id, { record }] of conversations) {
    const rubric = rubrics.get(id)?.record;
    if (!rubric) continue;
    examples.push({
      id,
      messages: record.messages.map((m) => ({ role: m.role, content: m.content })),
      rubric: rubric.criteria.map((c) => ({ text: c.text, points: c.points, tags: c.tags })),
      tags: record.tags ?? [],
      language: record.language ?? null,
      ideal: null,
    });
  }
  return { examples, sha256: hash.digest('hex'), counts: { conversations: conversations.size, rubrics: rubrics.size } };
}

function inMemoryDataset(name: string, examples: Example[], sha256: string): Dataset {
  return {
    name,
    sha256,
    officialSha256: 'n/a',
    ids: examples.map((e) => e.id),
    async *iterate(indices) {
      for (let index = 0; index < examples.length; index += 1) {
        const example = examples[index];
        if (example && (indices === null || indices.has(index))) yield { index, example };
      }
    },
  };
}

/** Opens a directory in our own format: `conversations/*.jsonl` and `rubrics/*.jsonl`. */
export async function openOwnFormatDir(dir: string, cwd: string): Promise<Dataset> {
  const conv = await listJsonl(join(dir, 'conversations'));
  const rub = await listJsonl(join(dir, 'rubrics'));
  const display = relative(cwd, dir) || dir;
  if (conv.length === 0 || rub.length === 0) {
    throw new DataValidationError([
      { file: display, line: 0, pointer: '', message: 'expected conversations/*.jsonl and rubrics/*.jsonl in this directory' },
    ]);
  }
  const { examples, sha256 } = await loadOwnFormat(conv, rub, cwd);
  return inMemoryDataset(basename(resolve(dir)), examples, sha256);
}

/** The embedded demo set that ships with the tool. */
export async function openDemo(cwd: string): Promise<Dataset> {
  const { examples, sha256 } = await loadOwnFormat(
    [join(PACKAGE_ROOT, 'conversations', 'demo.jsonl')],
    [join(PACKAGE_ROOT, 'rubrics', 'demo.jsonl')],
    cwd,
  );
  return inMemoryDataset('demo', examples, sha256);
}

/**
 * Resolves `--dataset`: an official name (downloaded and cached), `demo`, a `.jsonl`/`.jsonl.gz` file in
 * the official format, or a directory in our own format.
 */
export async function openDataset(
  spec: string,
  ctx: { cwd: string; env: Record<string, string | undefined>; fetchImpl?: typeof fetch },
): Promise<Dataset> {
  if (spec === 'demo') return openDemo(ctx.cwd);
  const official = OFFICIAL_FILES[spec];
  if (official && spec !== 'healthbench-meta') {
    const base = ctx.env['HEALTHBENCH_DATA_BASE_URL'] ?? official.baseUrl ?? OFFICIAL_BASE_URL;
    const cached = await fetchToCache({
      url: `${base}${official.file}`,
      fileName: official.file,
      expectedSha256: official.sha256,
      env: ctx.env,
      ...(ctx.fetchImpl ? { fetchImpl: ctx.fetchImpl } : {}),
    });
    return openOfficialJsonl(cached.path, { name: spec, officialSha256: official.sha256, cwd: ctx.cwd });
  }
  const path = resolve(ctx.cwd, spec);
  const info = await stat(path).catch(() => null);
  if (!info) {
    const looksLikePath = spec.includes('/') || spec.includes('.');
    throw new UsageError(
      looksLikePath
        ? `${spec}: no such file or directory`
        : `unknown dataset '${spec}'${didYouMean(spec, [...DATASET_NAMES, ...MEDCALC_DATASETS.map((d) => d.name)], (n) => `'${n}'`) || '.'} Use one of ${DATASET_NAMES.join(', ')}, medcalc, or a path`,
    );
  }
  if (info.isDirectory()) return openOwnFormatDir(path, ctx.cwd);
  if (path.endsWith('.jsonl') || path.endsWith('.jsonl.gz')) {
    return openOfficialJsonl(path, { name: basename(path).replace(/\.jsonl(\.gz)?$/, ''), officialSha256: null, cwd: ctx.cwd });
  }
  throw new UsageError(
    `${spec}: expected a .jsonl / .jsonl.gz file in the HealthBench (or HealthBench Professional) format or a directory in our own format`,
  );
}
