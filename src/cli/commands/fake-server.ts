import { ExitCode, UsageError } from '../../core/errors.js';
import { startFakeProvider } from '../../testing/index.js';
import type { FakeProviderOptions, FakeProviderStats } from '../../testing/index.js';
import { numberFlag, parseFlags } from '../args.js';
import { formatDuration } from '../progress.js';
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
  --latency-ms <n>     base latency per request, from its arrival to the reply (default 0)
  --jitter-ms <n>      uniform ± jitter around the latency (default 0)
  --rpm <n>            requests per minute, enforced like the providers: a token bucket refilled
                       continuously holding --burst-ms of the budget; beyond it 429 with retry-after and the
                       x-ratelimit-* / anthropic-ratelimit-* headers (default unlimited)
  --tpm <n>            input tokens per minute, enforced the same way (default unlimited)
  --otpm <n>           output tokens per minute, charged as replies are sent (default unlimited)
  --burst-ms <n>       budget each bucket holds, in ms of refill (default 1000)
  --window-ms <n>      what "per minute" means, in ms (default 60000; shorter makes caps measurable in
                       seconds, e.g. for tests)
  --error-rate <p>     fraction of requests answered 500 (default 0)
  --reset-rate <p>     fraction of connections dropped without a response (default 0)
  --hang-rate <p>      fraction of requests never answered (default 0)
  --malformed-rate <p> fraction of grader replies that are not a valid verdict (default 0)
  --met-rate <p>       fraction of rubric items judged met (default 0.6)
  --stats-json         on exit, print the request statistics as one JSON line on stderr instead of a summary
  --batch-delay-ms <n> time a batch (OpenAI /v1/batches, Anthropic /v1/messages/batches) takes to end (default 0)
  --batch-expired-fraction <p>  fraction of batch items that expire instead of running (default 0)
  -h, --help           show this help

Prints {"url","openaiBaseUrl","anthropicBaseUrl"} as one JSON line on stdout once listening, serves until
SIGINT/SIGTERM, then prints a short summary of the requests it served on stderr.
`;

const FLAGS = {
  port: { type: 'string' },
  seed: { type: 'string' },
  'latency-ms': { type: 'string' },
  'jitter-ms': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  otpm: { type: 'string' },
  'burst-ms': { type: 'string' },
  'window-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'reset-rate': { type: 'string' },
  'hang-rate': { type: 'string' },
  'malformed-rate': { type: 'string' },
  'met-rate': { type: 'string' },
  'batch-delay-ms': { type: 'string' },
  'batch-expired-fraction': { type: 'string' },
  'stats-json': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Two lines a person can read: how many requests, how they were answered, how busy it got. */
export function statsSummary(stats: FakeProviderStats, uptimeMs: number): string {
  const statuses = Object.entries(stats.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
  const kinds = Object.entries(stats.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
  return (
    `fake-server: served ${stats.total} requests in ${formatDuration(uptimeMs)} (${statuses || 'none'}); peak ${stats.peakInFlight} in flight\n` +
    (kinds ? `fake-server: by kind: ${kinds}\n` : '')
  );
}

const rate = (values: Record<string, string | boolean | undefined>, name: string): number | undefined =>
  numberFlag(values[name] as string | undefined, name, { min: 0, max: 1 });

/** `healthbench fake-server`: run the test-double provider until cancelled. */
export const run: CommandRun = async (argv, io) => {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const entries: Array<[keyof FakeProviderOptions, number | undefined]> = [
    ['port', numberFlag(values.port, 'port', { integer: true, min: 0, max: 65535 })],
    ['seed', numberFlag(values.seed, 'seed', { integer: true })],
    ['latencyMs', numberFlag(values['latency-ms'], 'latency-ms', { min: 0 })],
    ['jitterMs', numberFlag(values['jitter-ms'], 'jitter-ms', { min: 0 })],
    ['rpm', numberFlag(values.rpm, 'rpm', { integer: true, min: 1 })],
    ['windowMs', numberFlag(values['window-ms'], 'window-ms', { integer: true, min: 1 })],
    ['metRate', rate(values, 'met-rate')],
    ['tpm', numberFlag(values.tpm, 'tpm', { integer: true, min: 1 })],
    ['otpm', numberFlag(values.otpm, 'otpm', { integer: true, min: 1 })],
    ['burstMs', numberFlag(values['burst-ms'], 'burst-ms', { min: 0 })],
    ['batchDelayMs', numberFlag(values['batch-delay-ms'], 'batch-delay-ms', { min: 0 })],
    ['batchExpiredFraction', rate(values, 'batch-expired-fraction')],
  ];
  const faults = {
    status500Rate: rate(values, 'error-rate'),
    resetRate: rate(values, 'reset-rate'),
    hangRate: rate(values, 'hang-rate'),
    malformedVerdictRate: rate(values, 'malformed-rate'),
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
  const startedAt = Date.now();
  io.stdout(`${JSON.stringify({ url: fp.url, openaiBaseUrl: fp.openaiBaseUrl, anthropicBaseUrl: fp.anthropicBaseUrl })}\n`);
  await new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await fp.close();
  io.stderr(
    values['stats-json']
      ? `${JSON.stringify({ ...fp.stats(), batch: fp.batchStats() })}\n`
      : statsSummary(fp.stats(), Date.now() - startedAt),
  );
  return ExitCode.Ok;
};
