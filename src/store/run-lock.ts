/**
 * One process per run directory: `run.lock` holds the owner's pid, host and start time. It is created atomically
 * (written aside, then hard-linked into place, which fails if a lock exists). A lock whose process is gone (same
 * host, pid not alive) is stale and taken over; a live one is refused with exit 2, naming its holder.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { fsError } from './fs-errors.js';

export const LOCK_FILE = 'run.lock';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

/** True when a process with this pid exists (or exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? '') };
  } catch {
    // Unreadable: treated as no holder (it was created atomically, so only outside damage gets here).
  }
  return null;
}

function tryLink(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A lock held by this process on one run directory. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock on `dir` (which must exist), or throws UsageError naming who holds it. */
export function acquireRunLock(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(me)}\n`);
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        if (tryLink(tmp, path)) return { path, release: () => releaseLock(path, me) };
        const holder = readHolder(path);
        const stale = holder === null || (holder.host === me.host && !processAlive(holder.pid));
        if (!stale) {
          throw new UsageError(
            `${dir} is in use by healthbench pid ${holder.pid} on ${holder.host} (since ${holder.startedAt}). ` +
              `Wait for it to finish or use another --out; if that process is gone, delete ${path}.`,
          );
        }
        unlinkSync(path);
      }
    } finally {
      unlinkSync(tmp);
    }
  } catch (err) {
    throw fsError(err, path, 'create the lock file', 'setup');
  }
  throw new UsageError(`${dir}: another process took the run lock at the same moment; try again`);
}

function releaseLock(path: string, me: LockHolder): void {
  const holder = readHolder(path);
  if (holder && holder.pid === me.pid && holder.host === me.host && holder.startedAt === me.startedAt) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
}
