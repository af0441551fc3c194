import { ExitCode } from '../../core/errors.js';
import { runEval } from '../../runner/eval.js';
import { withTestDouble } from '../test-double.js';
import { parseFlags } from '../args.js';
import { withDotenv } from '../dotenv.js';
import { FLAGS, toEvalOptions } from '../eval-flags.js';
import type { CommandRun } from '../io.js';
import { resolveRunValues, setUpRun, summaryText } from '../run-setup.js';

export const HELP = `Usage: healthbench eval --model PROVIDER:MODEL [options]

Replays benchmark conversations to a candidate model, grades every response against its rubric with a
grader model, and writes run.json, samples.jsonl, report.json and report.md to the run directory.

Defaults come from healthbench.config.yaml / .yml / .json in the working directory (every option below,
named as the flag; \`healthbench init\` writes a commented one); flags win. Keys come from the environment or
a .env file in the working directory (never overriding a variable already set).

Configuration
  --config FILE            read this config file instead of the working directory's
  --profile NAME           apply the file's profiles.NAME over its top-level options

Data
  --dataset NAME|PATH      healthbench (default), healthbench-hard, healthbench-consensus,
                           healthbench-professional, demo, a HealthBench or HealthBench Professional
                           .jsonl/.jsonl.gz file, or a directory with conversations/ + rubrics/
  --limit N                N examples chosen exactly as the reference's --examples (Random(0).sample)
  --repeats R              sample and grade every example R times; all pooled (default 1)
  --responses MODE         model (default) | physician | reference: grade the dataset's own completions
  --length-adjustment P    published: the published center/penalty of the set | none; default: on for
                           Professional (center 2000, penalty 0.0147), off for the other sets
  --length-adjustment-center CHARS, --length-adjustment-penalty P
                           your own constants (both together; penalty per 500 characters)
MedCalc-Bench (--dataset medcalc, medcalc-v1.2, medcalc-verified or a .csv)
  --prompt-style STYLE     zero_shot (default) | one_shot | direct_answer
  --medcalc-compat MODE    current (default, corrected) | v1.0 (the published scoring, defects included)
  --labels FILE            physician-corrected labels (medcalc_v1_corrected.csv format)
  --exemplars FILE         one-shot exemplar JSON (default: the version's upstream file)
Candidate
  --model P:M              openai:<model> (Chat Completions; gpt-5*/o* through the Responses API)
                           or anthropic:<model> (Messages)
  --api MODE               auto (default) | chat | responses: the OpenAI endpoint of the candidate
  --reasoning-effort E     none | minimal | low | medium | high | xhigh (reasoning models)
  --base-url URL           OpenAI-compatible server (vLLM, Ollama, llama.cpp) or Anthropic endpoint
  --system-prompt TEXT     system message ('none' for no system message; default: the reference's)
  --temperature T, --max-tokens N
Grader
  --grader P:M             default openai:gpt-4.1-2025-04-14 (Professional: openai:gpt-5.4-2026-03-05 at
                           low effort); give it several times to grade with several
  --grader-api MODE        auto (default) | chat | responses
  --grader-reasoning-effort E  as --reasoning-effort, for the graders
  --grader-vote MODE       first (default) | majority, when several graders are given
  --grader-base-url URL    endpoint for the grader
  --grader-template FILE   your template (official or not; its sha256 is recorded)
  --grader-attempts N      grader calls per rubric item before it is a grader error (default 3)
  --grader-mode MODE       per-criterion (default, the reference protocol) | batched (one call per sample,
                           labelled in the report; check it with \`healthbench agreement\`)
  --batched-template FILE  your batched template
Run
  --out DIR                run directory (default reports/<run-id>); an unfinished run there is resumed
  --resume DIR             continue the run in DIR with the configuration recorded in DIR/run.json; flags that
                           change results are refused, others (concurrency, rates, timeouts...) apply
  --concurrency N          calls in flight (default 32)
  --rpm N, --tpm N         requests / input tokens per minute, per provider endpoint (default: learned
                           from the provider's rate-limit headers)
  --otpm N                 output tokens per minute, per provider endpoint
  --burst SECONDS          largest burst, in seconds of the per-minute budget (default 1)
  --rate-limit-timeout S   stop (resumable) when nothing but 429s came back for S seconds (default 600)
  --timeout SECONDS        per request attempt, body included (default 120)
  --max-retries N          retries on 5xx / 529 / timeouts / dropped connections (default 6; 429s are
                           waited out, never counted)
  --max-errors N|P%        fail the run (exit 3) when more samples than this fail (default 5%)
  --cache DIR              reuse responses of identical earlier requests (errors are never cached)
  --seed N                 bootstrap seed (default 42)
  --shard I/N              evaluate shard I of N (examples split by a hash of their id);
                           combine the shards with \`healthbench merge\`
  --label KEY=VALUE        record who/what ran it in run.json (repeatable), e.g. --label trigger=nightly
  --fake-server            run against the bundled test double (no network, no key)
  --dry-run                print the calls, tokens and estimated cost, then exit (no call, no file)
  --prices FILE            JSON {"provider:model": {input, cachedInput, output}} USD per 1M tokens
Batch mode (half price; results within the providers' 24 h window)
  --batch                  send every candidate, then every grader request through the OpenAI Batch API /
                           Anthropic Message Batches; batch ids are journaled, so a killed run resumes by polling
  --batch-fallback MODE    none (default) | live: requests whose batch attempts are used up are sent live
  --batch-attempts N       batches a request may go into before it is given up (default 3)
  --batch-poll SECONDS     how often to poll the batches (default 30)
  --batch-max-requests N   split batches below the provider's limit (OpenAI 50,000, Anthropic 100,000)
  --batch-max-bytes N      input bytes per batch (default 50 MB; the providers allow 200 MB / 256 MB)
  --cancel-batches         with --resume: cancel the run's batches still running (their finished results are kept)
Release gate
  --gate POLICY            check a policy (JSON/YAML) when the run ends; exit 1 if it fails
  --baseline RUN           diff against a baseline run (paired bootstrap CIs) for the policy's drop rules
  --allow-grader-change    compare with a baseline graded by another grader / template
Output
  --json                   print report.json on stdout instead of the summary
  --progress MODE          bar (default on a terminal) | lines (a line every 10 s; default elsewhere) | none
  --log-level LEVEL        pino level on stderr (default warn); --log-file FILE to log to a file (JSON lines)
  --log-format FORMAT      pretty (default on a terminal) | json (default elsewhere and for --log-file)
`;

export const run: CommandRun = async (argv, io) => {
  const { values: given } = parseFlags(argv, FLAGS);
  if (given.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  if (given['dry-run']) {
    const { values: raw } = await resolveRunValues(given, io, { configFile: true });
    const values = raw as typeof given;
    const { estimateEval } = await import('../../runner/estimate-eval.js');
    const { estimate, text } = await estimateEval(toEvalOptions(values), { cwd: io.cwd, env: withDotenv(io.env, io.cwd) });
    io.stdout(values.json ? `${JSON.stringify(estimate, null, 2)}\n` : text);
    return ExitCode.Ok;
  }
  const setup = await setUpRun(given, io, { configFile: true, command: 'eval' });
  const { values, progress, logger } = setup;
  try {
    const result = await withTestDouble(setup.options, setup.deps, (deps) => runEval(setup.options, deps));
    progress.done();
    io.stdout(values.json ? `${JSON.stringify(result.report, null, 2)}\n` : summaryText(result, io.cwd));
    return result.gate && !result.gate.passed ? ExitCode.GateFailed : ExitCode.Ok;
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    logger.flush();
  }
};
