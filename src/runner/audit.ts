/**
 * The audit trail of a run: who or what ran it, where, with which build of the tool. Recorded in run.json so a
 * report shown at a release review can be traced back to its origin.
 */
import { readFile, stat } from 'node:fs/promises';
import { hostname, platform, arch, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../data/load-dataset.js';
import type { RunAudit } from '../core/run-facts.js';
export type { RunAudit } from '../core/run-facts.js';

/** `--label key=value` (repeatable) → a map; a key given twice is refused. */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq > 0 ? v.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9_.:/-]{1,64}$/.test(key)) {
      throw new UsageError(`--label '${v}': expected key=value with a key of letters, digits and _.:/- (e.g. --label trigger=nightly)`);
    }
    if (key in out) throw new UsageError(`--label ${key} given twice; give each key once`);
    out[key] = v.slice(eq + 1);
  }
  return out;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').then(
    (t) => t.trim(),
    () => null,
  );
}

/** Resolves a ref to its commit through loose refs, then packed-refs. */
async function resolveRef(commonDir: string, ref: string): Promise<string | null> {
  const loose = await readText(join(commonDir, ref));
  if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
  const packed = await readText(join(commonDir, 'packed-refs'));
  for (const line of packed?.split('\n') ?? []) {
    const [sha, name] = line.split(' ');
    if (name === ref && sha && /^[0-9a-f]{40,64}$/.test(sha)) return sha;
  }
  return null;
}

/** The HEAD commit of the git checkout at `root`, read from the files (no `git` process); null when there is none. */
export async function gitCommitOf(root: string): Promise<string | null> {
  const dotGit = join(root, '.git');
  const info = await stat(dotGit).catch(() => null);
  if (!info) return null;
  let gitDir = dotGit;
  if (info.isFile()) {
    // A worktree or submodule: `.git` is a file naming the real git directory.
    const pointer = /^gitdir:\s*(.+)$/m.exec((await readText(dotGit)) ?? '')?.[1];
    if (!pointer) return null;
    gitDir = isAbsolute(pointer) ? pointer : resolve(root, pointer);
  }
  const common = await readText(join(gitDir, 'commondir'));
  const commonDir = common ? resolve(gitDir, common) : gitDir;
  const head = await readText(join(gitDir, 'HEAD'));
  if (!head) return null;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
  return ref ? ((await resolveRef(gitDir, ref)) ?? (await resolveRef(commonDir, ref))) : null;
}

const GITHUB_FIELDS = [
  'GITHUB_REPOSITORY',
  'GITHUB_WORKFLOW',
  'GITHUB_RUN_ID',
  'GITHUB_RUN_ATTEMPT',
  'GITHUB_JOB',
  'GITHUB_SHA',
  'GITHUB_REF',
  'GITHUB_ACTOR',
  'GITHUB_EVENT_NAME',
];

/** The CI job from the environment: GitHub Actions' variables, or just `CI` for other systems. */
export function ciOf(env: Record<string, string | undefined>): Record<string, string> | null {
  if (env['GITHUB_ACTIONS'] === 'true') {
    const out: Record<string, string> = { provider: 'github-actions' };
    for (const k of GITHUB_FIELDS) {
      const v = env[k];
      if (v) out[k.slice('GITHUB_'.length).toLowerCase()] = v;
    }
    return out;
  }
  return env['CI'] ? { provider: 'unknown', ci: env['CI'] } : null;
}

function currentUser(env: Record<string, string | undefined>): string | null {
  try {
    return userInfo().username;
  } catch {
    return env['USER'] ?? env['USERNAME'] ?? null;
  }
}

/** Collects the audit trail of a run about to start. */
export async function collectAudit(env: Record<string, string | undefined>, labels: Record<string, string>): Promise<RunAudit> {
  return {
    toolGitCommit: await gitCommitOf(PACKAGE_ROOT),
    host: { name: hostname(), platform: platform(), arch: arch(), node: process.version },
    user: currentUser(env),
    ci: ciOf(env),
    labels,
  };
}
