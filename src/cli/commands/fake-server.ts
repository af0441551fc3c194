import { parseArgs } from 'node:util';
import { ExitCode, UsageError } from '../../core/errors.js';
import { startFakeProvider } from '../../testing/index.js';
import type { FakeProviderOptions } from '../../testing/index.js';
import type { CommandRun } from '../io.js';

const HELP = `healthbench fake-server: start the bundled fake model provider (a TEST DOUBLE, not a model)

Serves OpenAI Chat Completions (/v1/chat/completions), the OpenAI Responses API (/v1/responses, with reasoning
tokens per reasoning.effort) and Anthropic Messages (/v1/messages), and both batch services (/v1/files +
/v1/batches, /v1/messages/batches), on 127.0.0.1 with
deterministic canned replies, grader verdicts and MedCalc answers, plus optional latency, rate limits and faults.
Use it for offline demos, tests and benchmarks; its scores mean nothing about any real model.

Usage: healthbench fake-server [options]

Options:
  --port <n>           port to listen on (default 0: any free port)
  --seed <n>           seed for replies, verdicts, jitter and fault draws (default 1)
  --latency-ms <n>     base latency per request (default 0)
  --jitter-ms <n>      uniform ± jitter around the latency (default 0)
  --rpm <n>            admit at most n requests per window, answer 429 beyond (default unlimited)
  --window-ms <n>      length of the --rpm window in ms (default 60000; shorter windows make caps measurable
                       in seconds, e.g. for the bench)
  --error-rate <p>     fraction of requests answered 500 (default 0)
  --reset-rate <p>     fraction of connections dropped without a response (default 0)
  --hang-rate <p>      fraction of requests never answered (default 0)
  --malformed-rate <p> fraction of grader replies that are not a valid verdict (default 0)
  --met-rate <p>       fraction of rubric items judged met (default 0.6)
  --batch-delay-ms <n> time a batch (OpenAI /v1/batches, Anthropic /v1/messages/batches) takes to end (default 0)
  --batch-expired-fraction <p>  fraction of batch items that expire instead of running (default 0)
  -h, --help           show this help

Prints {"url","openaiBaseUrl","anthropicBaseUrl"} as one JSON line on stdout once listening, serves until
SIGINT/SIGTERM, then prints request statistics as JSON on stderr.
`;

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} expects a number, got '${raw}'`);
  return value;
}

/** `healthbench fake-server`: run the test-double provider until cancelled. */
export const run: CommandRun = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        'latency-ms': { type: 'string' },
        'jitter-ms': { type: 'string' },
        rpm: { type: 'string' },
        'window-ms': { type: 'string' },
        'error-rate': { type: 'string' },
        'reset-rate': { type: 'string' },
        'hang-rate': { type: 'string' },
        'malformed-rate': { type: 'string' },
        'met-rate': { type: 'string' },
        'batch-delay-ms': { type: 'string' },
        'batch-expired-fraction': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
  }
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const entries: Array<[keyof FakeProviderOptions, number | undefined]> = [
    ['port', num('port', values.port)],
    ['seed', num('seed', values.seed)],
    ['latencyMs', num('latency-ms', values['latency-ms'])],
    ['jitterMs', num('jitter-ms', values['jitter-ms'])],
    ['rpm', num('rpm', values.rpm)],
    ['windowMs', num('window-ms', values['window-ms'])],
    ['metRate', num('met-rate', values['met-rate'])],
    ['batchDelayMs', num('batch-delay-ms', values['batch-delay-ms'])],
    ['batchExpiredFraction', num('batch-expired-fraction', values['batch-expired-fraction'])],
  ];
  const faults = {
    status500Rate: num('error-rate', values['error-rate']),
    resetRate: num('reset-rate', values['reset-rate']),
    hangRate: num('hang-rate', values['hang-rate']),
    malformedVerdictRate: num('malformed-rate', values['malformed-rate']),
  };
  const options = {
    // Nothing reads the request log of a server run from the CLI; keeping it would grow without bound in a bench.
    recordRequests: false,
    ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)),
    faults: Object.fromEntries(Object.entries(faults).filter(([, v]) => v !== undefined)),
  } as FakeProviderOptions;

  const signal = io.signal;
  if (signal?.aborted) return ExitCode.Cancelled;
  let fp;
  try {
    fp = await startFakeProvider(options);
  } catch (err) {
    // Option validation errors name the option; report them as bad input, not as a crash.
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
  io.stdout(`${JSON.stringify({ url: fp.url, openaiBaseUrl: fp.openaiBaseUrl, anthropicBaseUrl: fp.anthropicBaseUrl })}\n`);
  await new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await fp.close();
  io.stderr(`${JSON.stringify({ ...fp.stats(), batch: fp.batchStats() })}\n`);
  return ExitCode.Ok;
};
