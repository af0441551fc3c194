import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { EffectiveConfig } from '../core/records.js';
import { parseSavedJson } from '../store/saved-json.js';
import { looksLikePath, PATH_FLAGS, type FlagMap } from './config.js';

/** Options that decide what a run computes: changing one on resume would mix two experiments in one run. */
export const RESULT_FLAGS = [
  'dataset',
  'limit',
  'repeats',
  'responses',
  'model',
  'base-url',
  'fake-server',
  'system-prompt',
  'temperature',
  'max-tokens',
  'api',
  'grader-api',
  'reasoning-effort',
  'grader-reasoning-effort',
  'length-adjustment',
  'length-adjustment-center',
  'length-adjustment-penalty',
  'grader',
  'grader-vote',
  'grader-base-url',
  'grader-template',
  'grader-attempts',
  'grader-mode',
  'batched-template',
  'seed',
  'shard',
  'prompt-style',
  'medcalc-compat',
  'labels',
  'exemplars',
] as const;

/** Never recorded: how this one invocation talks to the user, or the resume itself. */
const NOT_RECORDED = new Set([
  'help',
  'resume',
  'config',
  'profile',
  'dry-run',
  'json',
  'progress',
  'log-format',
  'log-level',
  'log-file',
  'out',
  'cancel-batches',
]);

/** Option values as recorded in run.json: set options only, paths absolute (so a resume from elsewhere finds them). */
export function recordableOptions(values: FlagMap, cwd: string): Record<string, string | boolean | string[]> {
  const out: Record<string, string | boolean | string[]> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === false || NOT_RECORDED.has(k)) continue;
    out[k] = typeof v === 'string' && PATH_FLAGS.has(k) && (k !== 'dataset' || looksLikePath(v)) ? resolve(cwd, v) : v;
  }
  return out;
}

/** The effective configuration recorded by the run in `dir`; null for runs written before it was recorded. */
export async function readRecordedConfig(dir: string, shown: string): Promise<EffectiveConfig | null> {
  const text = await readFile(join(dir, 'run.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new UsageError(
        `--resume ${shown}: no run.json there, nothing to resume; check the directory, or start a new run with --out ${shown}`,
      );
    throw new UsageError(`--resume ${shown}: cannot read run.json: ${err.message}`);
  });
  const { validateRunRecord } = await import('../schemas/saved.js');
  const run = await parseSavedJson(text, join(dir, 'run.json'), validateRunRecord, 'it was not written by healthbench or was edited');
  return run.effectiveConfig ?? null;
}

function describe(name: string, value: unknown): string {
  if (value === undefined) return `no --${name}`;
  if (value === true) return `--${name}`;
  return `--${name} ${Array.isArray(value) ? value.join(' --' + name + ' ') : flagText(value)}`;
}

const ENDPOINT_FLAGS = new Set(['base-url', 'fake-server']);

function endpoint(options: Record<string, unknown>): string {
  if (options['fake-server'] === true) return '--fake-server';
  return options['base-url'] === undefined ? "the provider's default endpoint" : `--base-url ${flagText(options['base-url'])}`;
}

/**
 * The options of a resumed run: the recorded ones, with the flags given now on top. A given flag that changes
 * what the run computes (including the endpoint: `--base-url` after `--fake-server` and the reverse) is refused,
 * naming it; flags that change only how the run goes (concurrency, rates, timeouts, error budget, gate) apply.
 */
export function resumeOptions(recorded: EffectiveConfig, given: FlagMap, cwd: string, shown: string, command: string): FlagMap {
  const now = recordableOptions(given, cwd);
  const before = recorded.options;
  const changed = RESULT_FLAGS.filter((k) => given[k] !== undefined && JSON.stringify(now[k]) !== JSON.stringify(before[k]));
  if (changed.length > 0) {
    const recordedSide = (k: string): string => (ENDPOINT_FLAGS.has(k) ? endpoint(before) : describe(k, before[k]));
    const what = changed.map((k) => `${describe(k, now[k])} (recorded: ${recordedSide(k)})`).join(', ');
    throw new UsageError(
      `cannot resume ${shown} with ${what}: it changes the results. Resume with \`${command} eval --resume ${shown}\` alone, or start a new run with --out`,
    );
  }
  const merged: FlagMap = { ...(before as FlagMap) };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) merged[k] = v;
  return merged;
}

/** A recorded flag value as typed on the command line: strings as they are, anything else as JSON. */
function flagText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
