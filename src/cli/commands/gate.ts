import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, UsageError } from '../../core/errors.js';
import {
  diffRuns,
  evaluateGate,
  loadReport,
  loadRunSide,
  readPolicyFile,
  renderGateText,
  renderJunit,
  writeTextAtomic,
  type RunDiff,
} from '../../gate/index.js';
import type { Report } from '../../report/types.js';
import type { CommandRun } from '../io.js';

const HELP = `Usage: healthbench gate REPORT --policy POLICY [options]

Checks a run (a run directory or its report.json) against a release policy (JSON or YAML, see
docs/gate-policy.schema.json). Prints one line per rule and writes gate.json next to the report.

Options:
  --policy FILE           the policy (required)
  --baseline RUN          baseline run directory or report.json, for maxDrop rules (paired diff)
  --junit FILE            also write JUnit XML, one test case per rule
  --out DIR               write gate.json into DIR instead of next to the report
  --json                  print gate.json instead of the text lines
  --allow-grader-change   compare with the baseline even if dataset digest, grader or template differ
  --seed N                bootstrap seed for the baseline diff (default 0)
  -h, --help              show this help

Exit codes: 0 all rules pass, 1 a rule failed, 2 bad input (policy, paths, runs not comparable).
`;

/** parseArgs throws plain TypeErrors; unknown or malformed flags are the user's mistake (exit 2), not a bug. */
function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${HELP}`);
  }
}

/** `healthbench gate REPORT --policy POLICY`. */
export const run: CommandRun = async (argv, io) => {
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        policy: { type: 'string' },
        baseline: { type: 'string' },
        junit: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'allow-grader-change': { type: 'boolean', default: false },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) {
    io.stdout(HELP);
    return ExitCode.Ok;
  }
  const [reportArg, ...extra] = positionals;
  if (reportArg === undefined || extra.length > 0) throw new UsageError(`gate takes exactly one REPORT, got ${positionals.length}\n\n${HELP}`);
  if (values.policy === undefined) throw new UsageError(`gate needs --policy FILE\n\n${HELP}`);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`--seed: expected an integer ≥ 0, got '${values.seed ?? ''}'`);

  const policy = await readPolicyFile(values.policy, io.cwd);
  let diff: RunDiff | undefined;
  let report: Report;
  let reportDir: string;
  if (values.baseline !== undefined) {
    const [base, head] = await Promise.all([loadRunSide(values.baseline, io.cwd), loadRunSide(reportArg, io.cwd)]);
    diff = diffRuns(base, head, { seed, allowGraderChange: values['allow-grader-change'] });
    report = head.report;
    reportDir = dirname(head.reportPath);
  } else {
    const loaded = await loadReport(reportArg, io.cwd);
    report = loaded.report;
    reportDir = dirname(loaded.reportPath);
  }

  const result = evaluateGate(report, policy, diff);
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const outDir = values.out === undefined ? reportDir : resolve(io.cwd, values.out);
  await mkdir(outDir, { recursive: true });
  await writeTextAtomic(join(outDir, 'gate.json'), json);
  if (values.junit !== undefined) {
    const junitPath = resolve(io.cwd, values.junit);
    await mkdir(dirname(junitPath), { recursive: true });
    await writeTextAtomic(junitPath, renderJunit(result));
  }
  io.stdout(values.json ? json : renderGateText(result));
  return result.passed ? ExitCode.Ok : ExitCode.GateFailed;
};
