import { join, resolve } from 'node:path';
import { createLogger, type RunLogger } from '../log.js';
import type { EffectiveConfig } from '../core/records.js';
import type { EvalDeps, EvalOptions, EvalResult } from '../runner/eval.js';
import { loadConfig, type FlagMap } from './config.js';
import { withDotenv } from './dotenv.js';
import { FLAGS, toEvalOptions } from './eval-flags.js';
import { commandOf, shownPath, type CliIo } from './io.js';
import { createProgress, type ProgressMode, type ProgressRenderer } from './progress.js';
import { readRecordedConfig, recordableOptions, resumeOptions } from './resume.js';
import type { parseFlags } from './args.js';

type FlagValues = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

function defined(values: FlagMap): FlagMap {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/**
 * The options of a run: the config file (eval only) and its profile under the flags, or with `--resume DIR`
 * the configuration recorded in DIR/run.json under the flags given now (which must not change the results).
 */
export async function resolveRunValues(
  given: FlagMap,
  io: CliIo,
  opts: { configFile: boolean },
): Promise<{ values: FlagMap; effective: EffectiveConfig }> {
  const command = commandOf(io);
  const explicitConfig = given['config'] !== undefined || given['profile'] !== undefined;
  const config =
    opts.configFile && (given['resume'] === undefined || explicitConfig)
      ? await loadConfig(io.cwd, given['config'] as string | undefined, given['profile'] as string | undefined, command)
      : { file: null, profile: null, values: {} };
  const asked = { ...config.values, ...defined(given) };
  if (typeof given['resume'] === 'string') {
    const shown = shownPath(given['resume'], io.cwd);
    const recorded = await readRecordedConfig(resolve(io.cwd, given['resume']), shown);
    if (recorded) {
      const values = resumeOptions(recorded, asked, io.cwd, shown, command);
      return { values, effective: { file: recorded.file, profile: recorded.profile, options: recordableOptions(values, io.cwd) } };
    }
  }
  return { values: asked, effective: { file: config.file, profile: config.profile, options: recordableOptions(asked, io.cwd) } };
}

/** Everything a run command needs besides its options: environment with .env, logger, progress, messages. */
export interface RunSetup {
  options: EvalOptions;
  values: FlagValues;
  env: Record<string, string | undefined>;
  logger: RunLogger;
  progress: ProgressRenderer;
  resumeCommand: (runDir: string) => string;
  /** What `runEval` needs from the CLI: working directory, environment, logger, cancellation, progress, messages. */
  deps: EvalDeps;
}

/** The human summary of a finished run, ending with where its report is. */
export function summaryText(result: EvalResult, cwd: string): string {
  return `${[...result.summary, `report: ${shownPath(join(result.runDir, 'report.md'), cwd)}`].join('\n')}\n`;
}

export async function setUpRun(
  given: FlagMap,
  io: CliIo,
  opts: { configFile: boolean; command: string; defaults?: FlagMap },
): Promise<RunSetup> {
  const { values: raw, effective } = await resolveRunValues(given, io, opts);
  const values = { ...opts.defaults, ...raw } as FlagValues;
  const options: EvalOptions = { ...toEvalOptions(values), effectiveConfig: effective };
  const env = withDotenv(io.env, io.cwd);
  const logFormat = values['log-format'] ?? (io.isTTY && !values['log-file'] ? 'pretty' : 'json');
  const logger = createLogger({
    level: values['log-level'] ?? 'warn',
    file: values['log-file'] === undefined ? undefined : resolve(io.cwd, values['log-file']),
    format: logFormat === 'pretty' ? 'pretty' : 'json',
    secrets: [env['OPENAI_API_KEY'] ?? '', env['ANTHROPIC_API_KEY'] ?? ''],
  });
  const mode = (values.progress ?? (values.json ? 'none' : io.isTTY ? 'bar' : 'lines')) as ProgressMode;
  const progress = createProgress({ mode, write: io.stderr, columns: io.columns });
  const prefix = commandOf(io);
  const resumeCommand = (dir: string): string => `${prefix} ${opts.command} --resume ${shownPath(dir, io.cwd)}`;
  const deps: EvalDeps = {
    cwd: io.cwd,
    env,
    logger,
    signal: io.signal,
    onProgress: progress.update,
    resumeCommand,
    notify: (line) => io.stderr(`healthbench: note: ${line}\n`),
    onBatchStatus: (lines) => io.stderr(`${lines.map((l) => `batch ${l}`).join('\n')}\n`),
  };
  return { options, values, env, logger, progress, resumeCommand, deps };
}
