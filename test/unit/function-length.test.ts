import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Architecture rule (extends architecture.test.ts): no function in src/ (nor in the benchmark, bench/*.ts) spans more
// than MAX_LINES lines, counted from the first line of its declaration to its closing brace, nested closures included
// (they are part of the reading).
const MAX_LINES = 120;
const SRC = new URL('../../src', import.meta.url).pathname;
/** The benchmark lives outside src/ (it is not shipped); its sources are bench/*.ts, its build bench/dist/ is skipped. */
const BENCH = new URL('../../bench', import.meta.url).pathname;

/**
 * Functions that were already longer than MAX_LINES when the rule came in. This list may only shrink: a listed
 * function that gets split below the limit must be removed from it (the test says so), and nothing new is added.
 * Keys are `<file under src>#<function name>` (`../bench/<file>#<name>` for the benchmark); the number is the length measured when it was listed (information only).
 */
const KNOWN_LONG: ReadonlyMap<string, number> = new Map([]);

interface FunctionSpan {
  key: string;
  line: number;
  lines: number;
}

/**
 * Generated code (Ajv's standalone validators, `npm run schemas`; the WebAssembly kernel's bytes, `npm run wasm`) is
 * nobody's to read or split.
 */
const GENERATED = new Set([join(SRC, 'schemas', 'precompiled'), join(SRC, 'scoring', 'generated')]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (GENERATED.has(path)) return [];
    return e.isDirectory() ? sourceFiles(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The name a reader would search for: the declared name, else the variable or property the function is assigned to. */
function functionName(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (node.name) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(file);
  }
  return `<anonymous line ${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}>`;
}

function functionSpans(path: string, text: string, rel: string): FunctionSpan[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      spans.push({ key: `${rel}#${functionName(node, file)}`, line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return spans;
}

const benchFiles = readdirSync(BENCH, { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts'))
  .map((e) => join(BENCH, e.name));
const spans = [...sourceFiles(SRC), ...benchFiles].flatMap((path) => functionSpans(path, readFileSync(path, 'utf8'), relative(SRC, path)));

describe(`architecture: functions of at most ${MAX_LINES} lines`, () => {
  it('the measurement sees every kind of function (a self-check on a known snippet)', () => {
    const text = ['export function outer(): void {', '  const inner = () => 1;', '  class K { method(): number { return 2; } }', '}'].join(
      '\n',
    );
    expect(functionSpans('x.ts', text, 'x.ts')).toEqual([
      { key: 'x.ts#outer', line: 1, lines: 4 },
      { key: 'x.ts#inner', line: 2, lines: 1 },
      { key: 'x.ts#method', line: 3, lines: 1 },
    ]);
    expect(spans.length).toBeGreaterThan(100);
    expect(spans.some((s) => s.key === '../bench/run-bench.ts#main')).toBe(true);
  });

  it(`no function outside the known list exceeds ${MAX_LINES} lines`, () => {
    const tooLong = spans
      .filter((s) => s.lines > MAX_LINES && !KNOWN_LONG.has(s.key))
      .map(
        (s) => `${join('src', s.key.replace('#', `:${s.line} `))} has ${s.lines} lines; split it into named steps of at most ${MAX_LINES}`,
      );
    expect(tooLong).toEqual([]);
  });

  it('the known list only holds functions that are still too long (remove an entry once its function is split)', () => {
    const stale = [...KNOWN_LONG.keys()]
      .filter((key) => !spans.some((s) => s.key === key && s.lines > MAX_LINES))
      .map((key) => `${key} is no longer over ${MAX_LINES} lines (or was renamed): delete it from KNOWN_LONG`);
    expect(stale).toEqual([]);
  });
});
