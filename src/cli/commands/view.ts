import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataValidationError, ExitCode, UsageError } from '../../core/errors.js';
import type { RunDiff } from '../../compare/diff-runs.js';
import { resolveRunPaths } from '../../compare/load-run.js';
import { writeDiffHtml, writeRunReportHtml } from '../../runner/report-html.js';
import { defineCommand } from '../command.js';
import type { CliIo } from '../io.js';

export const HELP = `Usage: healthbench view RUN|DIFF [options]

(Re)builds the self-contained HTML page of a run (report.html: figures, charts, sample browser) or of a diff
(diff.html: forest plot, flipped criteria) and prints its path. RUN is a run directory or its report.json;
DIFF is a directory holding diff.json (written by \`healthbench diff --out DIR\`) or a diff.json path.

Options:
  --open        open the page in the default browser (or the command in $BROWSER)
  --base RUN    for a diff: the base run, so the changed samples show its responses
  --head RUN    for a diff: the head run (default: the diff's own directory when it is a run)
  -h, --help    show this help

Exit codes: 0 ok, 2 bad input.
`;

const FLAGS = {
  open: { type: 'boolean' },
  base: { type: 'string' },
  head: { type: 'string' },
} as const;

const exists = async (path: string): Promise<boolean> => (await stat(path).catch(() => null)) !== null;

/** What PATH names: a run (report.json) or a diff (diff.json). A directory with report.json is a run. */
async function classify(path: string, cwd: string): Promise<{ kind: 'run'; dir: string } | { kind: 'diff'; file: string }> {
  const abs = resolve(cwd, path);
  const info = await stat(abs).catch(() => null);
  if (info === null)
    throw new UsageError(`${path}: no such file or directory (expected a run directory, a report.json, or a diff directory / diff.json)`);
  if (info.isDirectory()) {
    if (await exists(join(abs, 'report.json'))) return { kind: 'run', dir: abs };
    if (await exists(join(abs, 'diff.json'))) return { kind: 'diff', file: join(abs, 'diff.json') };
    throw new UsageError(
      `${path}: holds neither report.json nor diff.json; pass a directory written by \`healthbench eval\` or \`healthbench diff --out\``,
    );
  }
  const name = basename(abs);
  if (name === 'diff.json' || name === 'diff.html') return { kind: 'diff', file: join(dirname(abs), 'diff.json') };
  return { kind: 'run', dir: dirname(abs) };
}

async function readDiff(file: string): Promise<RunDiff> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UsageError(`${file}: not found; write it with \`healthbench diff BASE HEAD --out DIR\``);
    throw new DataValidationError([{ file, line: 0, pointer: '', message: `cannot read diff: ${e.message}` }]);
  }
  const d = value as Partial<RunDiff> | null;
  if (d === null || typeof d !== 'object' || d.formatVersion !== 1 || !Array.isArray(d.groups) || typeof d.base !== 'object') {
    throw new DataValidationError([
      {
        file,
        line: 0,
        pointer: '',
        message: 'not a healthbench diff.json (formatVersion 1 with groups); rewrite it with `healthbench diff BASE HEAD --out DIR`',
      },
    ]);
  }
  return d as RunDiff;
}

/** Opens a file in the default browser without waiting for it. */
function openInBrowser(path: string, io: CliIo): void {
  const url = pathToFileURL(path).href;
  const custom = io.env['BROWSER'];
  const [cmd, args] = custom
    ? [custom, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', (err) =>
    io.stderr(`healthbench: could not open a browser (${cmd}: ${err.message}); open ${url} yourself, or set BROWSER.\n`),
  );
  child.unref();
}

/** `healthbench view RUN|DIFF`: rebuilds report.html or diff.html and prints its path. */
export const run = defineCommand(
  { name: 'view', help: HELP, flags: FLAGS, args: { min: 1, max: 1, what: 'one run or diff' } },
  async ({ values, positionals }, io) => {
    const target = await classify(positionals[0] as string, io.cwd);
    let page: string;
    if (target.kind === 'run') {
      if (values.base !== undefined || values.head !== undefined)
        throw new UsageError('--base and --head apply to a diff only; drop them to view a run');
      if (!(await exists(join(target.dir, 'report.json')))) {
        throw new UsageError(
          `${join(target.dir, 'report.json')}: not found; is ${positionals[0]} a run directory written by \`healthbench eval\`?`,
        );
      }
      page = await writeRunReportHtml(target.dir);
    } else {
      const diff = await readDiff(target.file);
      const own = dirname(target.file);
      const baseDir = values.base === undefined ? undefined : (await resolveRunPaths(values.base, io.cwd)).dir;
      const headDir =
        values.head === undefined
          ? (await exists(join(own, 'samples.jsonl')))
            ? own
            : undefined
          : (await resolveRunPaths(values.head, io.cwd)).dir;
      if (baseDir === undefined && values.head !== undefined)
        throw new UsageError('--head needs --base too: the page shows both responses side by side');
      page = await writeDiffHtml(own, diff, baseDir !== undefined && headDir !== undefined ? { baseDir, headDir } : undefined);
    }
    io.stdout(`${page}\n`);
    if (values.open === true) openInBrowser(page, io);
    return ExitCode.Ok;
  },
);
