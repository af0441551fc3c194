import { dirname, join, resolve } from 'node:path';
import { ExitCode, UsageError } from '../../core/errors.js';
import { diffRuns, loadReport, loadRunSide, unfinishedRunWarning, type RunDiff } from '../../compare/index.js';
import { evaluateGate, readPolicyFile, renderGateText, renderJunit } from '../../gate/index.js';
import type { Report } from '../../report/types.js';
import { ensureDir, writeFileAtomic } from '../../store/atomic.js';
import { numberFlag } from '../args.js';
import { defineCommand } from '../command.js';
import { commandOf } from '../io.js';

export const HELP = `Usage: healthbench gate REPORT --policy POLICY [options]

Checks a run (its directory or its report.json) against a release policy in JSON or YAML (see
docs/gate-policy.schema.json). Prints one line per rule and writes gate.json next to the report.

Options:
  --policy FILE           the policy (required)
  --baseline RUN          baseline run directory or report.json, for maxDrop rules (paired diff;
                          both runs need their samples.jsonl)
  --junit FILE            also write JUnit XML, one test case per rule
  --out DIR               write gate.json into DIR instead of next to the report
  --json                  print gate.json instead of the rule lines
  --allow-grader-change   compare with the baseline even if dataset digest, grader or template differ
  --seed N                bootstrap seed of the baseline diff (default: the run's seed)
  -h, --help              show this help

Exit codes: 0 every rule passed, 1 a rule failed, 2 bad input (policy, paths, runs not comparable).
`;

const FLAGS = {
  policy: { type: 'string' },
  baseline: { type: 'string' },
  junit: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'allow-grader-change': { type: 'boolean' },
  seed: { type: 'string' },
} as const;

/** `healthbench gate REPORT --policy POLICY`: loads the run (and baseline), evaluates, prints and writes the verdict. */
export const run = defineCommand(
  { name: 'gate', help: HELP, flags: FLAGS, args: { min: 1, max: 1, what: 'one REPORT' } },
  async ({ values, positionals }, io) => {
    const [reportArg = ''] = positionals;
    if (values.policy === undefined) throw new UsageError(`gate needs --policy FILE. See \`${commandOf(io)} gate --help\`.`);
    const seed = numberFlag(values.seed, 'seed', { integer: true, min: 0 });

    const policy = await readPolicyFile(values.policy, io.cwd);
    let report: Report;
    let reportPath: string;
    let diff: RunDiff | undefined;
    if (values.baseline !== undefined) {
      const [base, head] = await Promise.all([loadRunSide(values.baseline, io.cwd), loadRunSide(reportArg, io.cwd)]);
      diff = diffRuns(base, head, { seed: seed ?? head.report.seed, allowGraderChange: values['allow-grader-change'] === true });
      ({ report, reportPath } = head);
    } else {
      ({ report, reportPath } = await loadReport(reportArg, io.cwd));
    }
    const result = evaluateGate(report, policy, diff);
    const warning = await unfinishedRunWarning(dirname(reportPath));
    if (warning) io.stderr(`healthbench: warning: ${warning}\n`);

    const json = `${JSON.stringify(result, null, 2)}\n`;
    const outDir = values.out === undefined ? dirname(reportPath) : resolve(io.cwd, values.out);
    await ensureDir(outDir);
    await writeFileAtomic(join(outDir, 'gate.json'), json);
    if (values.junit !== undefined) {
      const junitPath = resolve(io.cwd, values.junit);
      await ensureDir(dirname(junitPath));
      await writeFileAtomic(junitPath, renderJunit(result));
    }
    io.stdout(values.json === true ? json : renderGateText(result));
    return result.passed ? ExitCode.Ok : ExitCode.GateFailed;
  },
);
