/**
 * The scaffold every small command shares: its flags parsed (an unknown flag is exit 2 with the closest known one,
 * see args.ts), `-h`/`--help` printing its usage, and a wrong number of arguments turned into one usage error
 * that says what the command takes. The command's own body gets the parsed flags and arguments.
 */
import { join, resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { ExitCode, UsageError, type ExitCodeValue } from '../core/errors.js';
import { ensureDir, writeFileAtomic } from '../store/atomic.js';
import { parseFlags } from './args.js';
import { commandOf, type CliIo, type CommandRun } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flag values `parseFlags` gives for a flag table. */
export type FlagValues<F extends Options> = ReturnType<typeof parseFlags<F>>['values'];

/** What a command is: its name, usage text, flags (`--help` is added) and the arguments it takes. */
export interface CommandSpec<F extends Options> {
  name: string;
  help: string;
  flags: F;
  /** How many positional arguments, and how the usage error names them (`two runs, BASE and HEAD`). */
  args: { min: number; max: number; what: string };
}

/** The parsed command line a command's body works from. */
export interface CommandInput<F extends Options> {
  values: FlagValues<F>;
  positionals: string[];
}

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/** A command from its spec and its body: parsing, `--help` and the argument count are handled here. */
export function defineCommand<const F extends Options>(
  spec: CommandSpec<F>,
  body: (input: CommandInput<F>, io: CliIo) => Promise<ExitCodeValue>,
): CommandRun {
  return async (argv, io) => {
    const { values, positionals } = parseFlags(argv, { ...spec.flags, ...HELP_FLAG }, true);
    if ((values as { help?: boolean }).help === true) {
      io.stdout(spec.help);
      return ExitCode.Ok;
    }
    const { min, max, what } = spec.args;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(
        `${spec.name} takes ${what}; got ${positionals.length} argument(s). See \`${commandOf(io)} ${spec.name} --help\`.`,
      );
    }
    return body({ values, positionals }, io);
  };
}

/** Writes each named text into the `--out DIR` directory (created when missing), atomically; returns its path. */
export async function writeOutFiles(cwd: string, outDir: string, files: Readonly<Record<string, string>>): Promise<string> {
  const out = resolve(cwd, outDir);
  await ensureDir(out);
  for (const [name, text] of Object.entries(files)) await writeFileAtomic(join(out, name), text);
  return out;
}
