import { describe, expect, it } from 'vitest';
import { parseDotenv, withDotenv } from '../../../src/cli/dotenv.js';
import { invocationCommand, shownPath } from '../../../src/cli/io.js';
import { closest } from '../../../src/core/suggest.js';
import { prettyLogLine } from '../../../src/log.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('did-you-mean', () => {
  it('finds typos, swaps and unique prefixes; stays quiet for unrelated words', () => {
    expect(closest('concurency', ['concurrency', 'cache'])).toBe('concurrency');
    expect(closest('evla', ['eval', 'gate'])).toBe('eval');
    expect(closest('meta', ['meta-eval', 'eval'])).toBe('meta-eval');
    expect(closest('banana', ['eval', 'gate', 'diff'])).toBeNull();
  });
});

describe('.env', () => {
  it('parses comments, export, quotes and trailing comments', () => {
    expect(parseDotenv('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=plain # note\nE=\nnot a line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x#y',
      D: 'plain',
      E: '',
    });
  });

  it('never overrides a variable already set, even to an empty value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-env-'));
    await writeFile(join(dir, '.env'), 'OPENAI_API_KEY=from-file\nANTHROPIC_API_KEY=from-file\n');
    expect(withDotenv({ OPENAI_API_KEY: 'set', ANTHROPIC_API_KEY: '' }, dir)).toEqual({ OPENAI_API_KEY: 'set', ANTHROPIC_API_KEY: '' });
    expect(withDotenv({}, dir)).toEqual({ OPENAI_API_KEY: 'from-file', ANTHROPIC_API_KEY: 'from-file' });
    expect(withDotenv({ X: '1' }, join(dir, 'missing'))).toEqual({ X: '1' });
  });
});

describe('printed commands', () => {
  it('npx healthbench unless started by name from a global bin directory on PATH', () => {
    expect(invocationCommand('/usr/local/bin/healthbench', { PATH: '/usr/bin:/usr/local/bin' })).toBe('healthbench');
    expect(invocationCommand('/proj/node_modules/.bin/healthbench', { PATH: '/proj/node_modules/.bin:/usr/bin' })).toBe('npx healthbench');
    expect(invocationCommand('/repo/dist/cli/main.js', { PATH: '/usr/bin' })).toBe('npx healthbench');
    expect(invocationCommand('/opt/x/healthbench', { PATH: '/usr/bin' })).toBe('npx healthbench');
    expect(invocationCommand('/usr/local/bin/healthbench', { PATH: '/usr/local/bin', HEALTHBENCH_COMMAND: 'hb' })).toBe('hb');
  });

  it('paths relative to the working directory, quoted when the shell needs it', () => {
    expect(shownPath('/w/reports/r1', '/w')).toBe('reports/r1');
    expect(shownPath('/elsewhere/r1', '/w')).toBe('/elsewhere/r1');
    expect(shownPath('/w/my runs/r1', '/w')).toBe("'my runs/r1'");
  });
});

describe('human log lines', () => {
  it('time, level, message and fields; control characters escaped; clears a progress line first', () => {
    const line = prettyLogLine(
      JSON.stringify({
        level: 40,
        time: Date.UTC(2026, 0, 1, 12, 3, 4),
        pid: 1,
        hostname: 'h',
        name: 'healthbench',
        msg: 'slow\u001b[31m',
        exampleId: 'e 1',
        n: 3,
      }),
    );
    expect(line).toBe('\r\x1b[K12:03:04 WARN  slow\\u001b[31m exampleId="e 1" n=3\n');
  });
});
