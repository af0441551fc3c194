import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import { parseFlags } from '../args.js';
import { commandOf, type CommandRun } from '../io.js';

const HELP = `Usage: healthbench init [--force]

Writes two files into the working directory, ready to commit:
  healthbench.config.yaml              defaults for \`healthbench eval\` (every flag by name) and named profiles
  .github/workflows/healthbench.yml    a GitHub Actions workflow running the nightly profile

  --force   overwrite the files if they exist
`;

export const STARTER_CONFIG = `# healthbench configuration: defaults for \`healthbench eval\`, keyed by flag name (see \`healthbench eval --help\`).
# Flags on the command line win over this file; \`--profile NAME\` applies a profile below over the top level.
# Paths are relative to this file. API keys never go here: set OPENAI_API_KEY / ANTHROPIC_API_KEY in the
# environment or in a .env file next to this one (and keep .env out of git).
# yaml-language-server: $schema=node_modules/healthbench/docs/config.schema.json

# What to evaluate
dataset: healthbench                # healthbench, healthbench-hard, healthbench-consensus, demo, medcalc, or a path
model: openai:gpt-4.1-mini          # the candidate: openai:<model> (Chat Completions) or anthropic:<model>
# base-url: http://localhost:8000/v1  # an OpenAI-compatible server (vLLM, Ollama, llama.cpp)
# limit: 100                        # a fixed subset, chosen as the reference chooses it

# How it is graded
grader: openai:gpt-4.1-2025-04-14   # the reference grader
# grader-mode: batched              # one grader call per sample instead of per criterion (labelled in the report)

# How the run goes
concurrency: 32
max-errors: 5%                      # fail the run (exit 3) when more samples than this fail
# rpm: 500                          # your provider quota, requests per minute
# tpm: 200000                       # and input tokens per minute

# Release gate (docs/gating.md in the package)
# gate: release-policy.yaml         # exit 1 when the policy fails
# baseline: reports/baseline        # a baseline run for the policy's drop rules

profiles:
  # A one-minute offline check against the bundled test double (no key, no network): healthbench eval --profile smoke
  smoke:
    dataset: demo
    fake-server: true
  # The scheduled run of .github/workflows/healthbench.yml: healthbench eval --profile nightly
  nightly:
    dataset: healthbench
    limit: 500
`;

export const STARTER_WORKFLOW = `# Runs healthbench every night and on demand, and keeps the run directory as an artifact.
# Needs healthbench in the project (npm i -D healthbench) and the OPENAI_API_KEY secret in the repository settings.
name: healthbench
on:
  workflow_dispatch:
  schedule:
    - cron: '17 3 * * *'
jobs:
  eval:
    runs-on: ubuntu-latest
    timeout-minutes: 120
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npx healthbench eval --profile nightly --out reports/nightly
        env:
          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: healthbench-report
          path: reports/nightly
`;

const FILES = [
  { path: 'healthbench.config.yaml', text: STARTER_CONFIG },
  { path: join('.github', 'workflows', 'healthbench.yml'), text: STARTER_WORKFLOW },
];

/** `healthbench init`: the starter config and CI workflow, never overwriting without --force. */
export const run: CommandRun = async (argv, io) => {
  const { values } = parseFlags(argv, { force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  for (const f of FILES) {
    const exists = await stat(join(io.cwd, f.path)).then(
      () => true,
      () => false,
    );
    if (exists && !values.force) throw new UsageError(`${f.path} exists; pass --force to overwrite it (nothing was written)`);
  }
  for (const f of FILES) {
    await mkdir(dirname(join(io.cwd, f.path)), { recursive: true });
    await writeFile(join(io.cwd, f.path), f.text);
  }
  const cmd = commandOf(io);
  io.stdout(
    `wrote ${FILES.map((f) => f.path).join(' and ')}\n` +
      `try it offline: ${cmd} eval --profile smoke\n` +
      `then for real (set OPENAI_API_KEY in the environment or .env): ${cmd} eval --profile nightly\n`,
  );
  return ExitCode.Ok;
};
