import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Source comments cite the rules they implement as `docs/<file>.md §N` (several: `docs/medcalc.md §5, §8`).
// Every citation must resolve inside this repository: the file exists under docs/ and has a `## N. …` heading.
// A bare `§N` without the file name cannot be resolved and is refused too.
const ROOT = new URL('../..', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

interface Citation {
  where: string;
  doc: string;
  section: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const CITATION = /docs\/([\w.-]+\.md)((?:\s*,?\s*§\s*\d+(?:\.\d+)*)+)/g;

/** The citations in one file's text, and the `§` signs that belong to none of them. */
function citationsIn(text: string, file: string): { citations: Citation[]; bare: string[] } {
  const citations: Citation[] = [];
  const covered = new Set<number>();
  for (const m of text.matchAll(CITATION)) {
    const line = text.slice(0, m.index).split('\n').length;
    const list = m[2] ?? '';
    const listStart = m.index + m[0].length - list.length;
    for (const s of list.matchAll(/§\s*(\d+(?:\.\d+)*)/g)) {
      covered.add(listStart + s.index);
      citations.push({ where: `${file}:${line}`, doc: m[1] ?? '', section: s[1] ?? '' });
    }
  }
  const bare: string[] = [];
  for (const m of text.matchAll(/§/g)) {
    if (!covered.has(m.index)) bare.push(`${file}:${text.slice(0, m.index).split('\n').length}`);
  }
  return { citations, bare };
}

/** Section numbers of a markdown file: `## 5. Title` gives "5", `### 5.2 Title` gives "5.2". */
function sectionsOf(path: string): Set<string> {
  const numbers = new Set<string>();
  for (const m of readFileSync(path, 'utf8').matchAll(/^#{2,4}\s+(\d+(?:\.\d+)*)\.?\s/gm)) numbers.add(m[1] ?? '');
  return numbers;
}

const found = sourceFiles(SRC).map((path) => citationsIn(readFileSync(path, 'utf8'), relative(ROOT, path)));
const citations = found.flatMap((f) => f.citations);

describe('docs citations in src/', () => {
  it('every `docs/<file>.md §N` names a file in docs/ and a section it has', () => {
    const sections = new Map<string, Set<string> | null>();
    const problems: string[] = [];
    for (const c of citations) {
      if (!sections.has(c.doc)) {
        const path = join(ROOT, 'docs', c.doc);
        sections.set(c.doc, existsSync(path) ? sectionsOf(path) : null);
      }
      const known = sections.get(c.doc);
      if (known === null || known === undefined) problems.push(`${c.where}: docs/${c.doc} does not exist`);
      else if (!known.has(c.section)) problems.push(`${c.where}: docs/${c.doc} has no section ${c.section}`);
    }
    expect(problems).toEqual([]);
    // The scan must see the citations it is meant to check (about sixty when this test was written).
    expect(citations.length).toBeGreaterThan(40);
  });

  it('no `§N` without the document it refers to (write `docs/<file>.md §N`)', () => {
    expect(found.flatMap((f) => f.bare)).toEqual([]);
  });

  it('the scanner reads lists and refuses bare section signs (self-check)', () => {
    const sample = 'a (docs/medcalc.md §5, §8) b\nc docs/healthbench.md §12 d\ne (docs §4) f';
    const { citations: cs, bare } = citationsIn(sample, 'x.ts');
    expect(cs.map((c) => `${c.where} ${c.doc} ${c.section}`)).toEqual([
      'x.ts:1 medcalc.md 5',
      'x.ts:1 medcalc.md 8',
      'x.ts:2 healthbench.md 12',
    ]);
    expect(bare).toEqual(['x.ts:3']);
  });
});
