#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, HealthbenchError } from '../core/errors.js';
import { commandOf, invocationCommand, type CliIo, type CommandRun } from './io.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: CommandRun }> }> = {
  eval: { summary: 'run a model on a benchmark and write a report', load: () => import('./commands/eval.js') },
  validate: {
    summary: 'check dataset files; print every problem as file:line /pointer: message',
    load: () => import('./commands/validate.js'),
  },
  diff: { summary: 'compare two runs per group with paired-bootstrap CIs', load: () => import('./commands/diff.js') },
  gate: { summary: 'check a report against a release policy', load: () => import('./commands/gate.js') },
  'meta-eval': { summary: 'measure a grader against physicians (HealthBench meta-eval)', load: () => import('./commands/meta-eval.js') },
  view: {
    summary: "build a run's or diff's self-contained HTML page and print its path (--open)",
    load: () => import('./commands/view.js'),
  },
  agreement: { summary: "verdict agreement and Cohen's kappa between two runs", load: () => import('./commands/agreement.js') },
  repair: { summary: 'drop damaged lines of a run directory so it can be resumed', load: () => import('./commands/repair.js') },
  merge: { summary: 'combine the shard runs of one evaluation (eval --shard i/n) into one run', load: () => import('./commands/merge.js') },
  history: {
    summary: 'every run under directories, grouped; trend table, --html page, --alarm on drift',
    load: () => import('./commands/history.js'),
  },
  verify: {
    summary: 'prove a run directory unaltered (manifest sha256s, report rebuilt from samples)',
    load: () => import('./commands/verify.js'),
  },
  status: { summary: 'show a run and its batches still running at the provider', load: () => import('./commands/status.js') },
  'fake-server': { summary: 'start the bundled OpenAI/Anthropic-compatible test double', load: () => import('./commands/fake-server.js') },
  init: { summary: 'write a commented healthbench.config.yaml and a GitHub Actions workflow', load: () => import('./commands/init.js') },
};

export const HELP = `healthbench: evaluate medical chatbots (HealthBench, MedCalc-Bench)

Usage: healthbench <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run \`healthbench <command> --help\` for a command's options.
Exit codes: 0 ok, 1 gate failed / regression, 2 bad input, 3 run failed, 70 internal error, 130 cancelled.
`;

/** The CLI entry, also called in-process by tests. Returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(HELP.replace('`healthbench <command> --help`', `\`${commandOf(io)} <command> --help\``));
    return name === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (name === '--version' || name === '-v') {
    const { TOOL_VERSION } = await import('../version.js');
    io.stdout(`${TOOL_VERSION}\n`);
    return ExitCode.Ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    const { didYouMean } = await import('../core/suggest.js');
    const hint = didYouMean(name, Object.keys(COMMANDS), (c) => `'${c}'`);
    io.stderr(`healthbench: unknown command '${name}'${hint || '.'} Run \`${commandOf(io)} --help\` for every command\n`);
    return ExitCode.Usage;
  }
  try {
    const { run } = await command.load();
    return await run(rest, io);
  } catch (err) {
    if (err instanceof HealthbenchError) {
      io.stderr(`healthbench: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr(
      `healthbench: internal error: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\n` +
        'This is a bug; please open an issue with the command you ran and this output.\n',
    );
    return ExitCode.Internal;
  }
}

/**
 * Exits with `code` once stdout and stderr have written everything. A command whose promise has settled has nothing
 * left to wait for (its files are written, its thread and child processes are let go), and leaving at once skips
 * tearing down the heap and every handle one by one, which takes tens of milliseconds after a large run.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const written = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`\nhealthbench: second ${sig}, exiting now; the run directory stays resumable.\n`);
      process.exit(ExitCode.Cancelled);
    }
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const io: CliIo = {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY) && !process.env['CI'],
    columns: process.stderr.columns,
    signal: controller.signal,
    command: invocationCommand(process.argv[1], process.env),
  };
  let settled = false;
  // If the command's promise never settles (a bug: nothing left to wake it), Node would exit 0 as if it had
  // succeeded; CI must see a failure instead.
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write('healthbench: internal error: the command stopped without finishing. This is a bug; please open an issue.\n');
    process.exitCode = ExitCode.Internal;
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      settled = true;
      exitWhenWritten(code);
    },
    (err: unknown) => {
      settled = true;
      process.stderr.write(`healthbench: ${String(err)}\n`);
      exitWhenWritten(ExitCode.Internal);
    },
  );
}
