import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../../src/core/errors.js';
import { defineCommand } from '../../../src/cli/command.js';
import type { CliIo } from '../../../src/cli/io.js';

function fakeIo(): CliIo & { out: string[] } {
  const out: string[] = [];
  return { out, stdout: (t) => out.push(t), stderr: () => undefined, env: {}, cwd: '/', isTTY: false, command: 'healthbench' };
}

const seen: Array<{ json: boolean | undefined; top: string | undefined; positionals: string[] }> = [];
const run = defineCommand(
  {
    name: 'pair',
    help: 'Usage: healthbench pair A B\n',
    flags: { json: { type: 'boolean' }, top: { type: 'string' } },
    args: { min: 2, max: 2, what: 'two runs, A and B' },
  },
  async ({ values, positionals }) => {
    seen.push({ json: values.json, top: values.top, positionals });
    return ExitCode.Ok;
  },
);

describe('defineCommand: the shared command scaffold', () => {
  it('prints the usage for -h and --help without running the body', async () => {
    for (const flag of ['-h', '--help']) {
      const io = fakeIo();
      expect(await run([flag], io)).toBe(ExitCode.Ok);
      expect(io.out.join('')).toBe('Usage: healthbench pair A B\n');
    }
    expect(seen).toEqual([]);
  });

  it('hands the parsed flags and arguments to the body', async () => {
    expect(await run(['a', 'b', '--json', '--top', '3'], fakeIo())).toBe(ExitCode.Ok);
    expect(seen.at(-1)).toEqual({ json: true, top: '3', positionals: ['a', 'b'] });
  });

  it('a wrong number of arguments is a usage error saying what the command takes', async () => {
    await expect(run(['a'], fakeIo())).rejects.toThrow(
      new UsageError('pair takes two runs, A and B; got 1 argument(s). See `healthbench pair --help`.'),
    );
  });

  it('an unknown or malformed flag is a usage error naming it', async () => {
    await expect(run(['a', 'b', '--jsn'], fakeIo())).rejects.toThrow('unknown option --jsn; did you mean --json?');
    await expect(run(['a', 'b', '--top'], fakeIo())).rejects.toThrow('--top needs a value');
    await expect(run(['a', 'b', '--json=yes'], fakeIo())).rejects.toThrow('--json takes no value');
  });
});
