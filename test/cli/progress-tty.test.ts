import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/**
 * Runs the built CLI on a pseudo-terminal of `columns` columns with util-linux `script` (package bsdutils,
 * essential on Debian), returning everything the terminal received.
 */
function onTerminal(args: string[], columns: number): string {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const env = { ...process.env };
  delete env['CI'];
  return execFileSync(
    'script',
    ['-qfec', `stty cols ${columns}; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${quoted}`, '/dev/null'],
    {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
}

describe('progress bar on a terminal (pseudo-terminal)', () => {
  it('redraws one line that fits the width, then clears it before the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-tty-'));
    const text = onTerminal(
      [
        'eval',
        '--dataset',
        'demo',
        '--fake-server',
        '--model',
        'openai:m',
        '--limit',
        '10',
        '--concurrency',
        '2',
        '--out',
        join(dir, 'run'),
      ],
      50,
    );
    const frames = text.split('\r\x1b[K');
    const bars = frames.slice(1, -1);
    expect(bars.length).toBeGreaterThan(0);
    for (const frame of bars) {
      expect(frame).toMatch(/^(\[[#.]+\] )?\d+\/10 \d+%/);
      expect(frame.length).toBeLessThanOrEqual(49);
      expect(frame).not.toContain('\n');
    }
    expect(bars.some((f) => f.includes('10/10 100%'))).toBe(true);
    // The last clear is followed by the summary on a clean line.
    expect(frames[frames.length - 1]).toMatch(/^TEST DOUBLE: figures come from the bundled fake provider/);
  });

  it('a wide terminal shows every field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hb-tty-'));
    const text = onTerminal(
      ['eval', '--dataset', 'demo', '--limit', '5', '--fake-server', '--model', 'openai:m', '--out', join(dir, 'run')],
      160,
    );
    // eslint-disable-next-line no-control-regex -- the ANSI erase-line sequence is what is being checked
    expect(text).toMatch(/\r\x1b\[K\[[#.]+\] \d+\/5 \d+% · [\d.]+ calls\/s · elapsed \d+:\d\d · eta [\d:–]+ · errors 0 · tokens [\d.k]+/);
  });
});
