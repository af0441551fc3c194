import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createPino, type LoggerOptions } from '../../../src/log.js';

const dirs: string[] = [];
function logFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-log-'));
  dirs.push(dir);
  return join(dir, 'run.log');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A loader that counts its calls and sends the stderr logger's lines to a file instead. */
function countingLoader(file: string): { load: (o: LoggerOptions) => Logger; calls: () => number } {
  let calls = 0;
  return {
    load: (o) => {
      calls += 1;
      return createPino({ ...o, file });
    },
    calls: () => calls,
  };
}

describe('createLogger', () => {
  it('on stderr, loads pino only when a line passes the level', () => {
    const file = logFile();
    const loader = countingLoader(file);
    const log = createLogger({ level: 'warn', secrets: [] }, loader.load);
    log.info({ a: 1 }, 'not shown');
    log.debug('not shown either');
    let flushed = false;
    log.flush(() => void (flushed = true));
    expect(flushed).toBe(true);
    expect(loader.calls()).toBe(0);
    log.warn({ attempt: 2 }, 'retrying');
    log.error('failed');
    log.flush();
    expect(loader.calls()).toBe(1);
    expect(lines(file).map((l) => [l['level'], l['msg']])).toEqual([
      [40, 'retrying'],
      [50, 'failed'],
    ]);
  });

  it('opens a log file at once, and writes pino lines with the keys scrubbed from every string', () => {
    const file = logFile();
    const log = createLogger({ level: 'info', file, secrets: ['sk-secret-123'] });
    expect(existsSync(file)).toBe(true);
    log.debug('not shown');
    log.info({ runDir: '/tmp/x' }, 'resuming');
    log.warn({ detail: 'key sk-secret-123 rejected' }, 'retrying with sk-secret-123');
    log.flush();
    const written = lines(file);
    expect(written.map((l) => [l['level'], l['msg']])).toEqual([
      [30, 'resuming'],
      [40, 'retrying with [REDACTED]'],
    ]);
    expect(written[1]?.['detail']).toBe('key [REDACTED] rejected');
    expect(readFileSync(file, 'utf8')).not.toContain('sk-secret-123');
  });

  it('refuses a level pino does not know, at once', () => {
    expect(() => createLogger({ level: 'loud', secrets: [] })).toThrow(/loud/);
  });
});
