import { formatModelSpec, withSystemPrompt } from '../providers/model-client.js';
import { estimateRun, renderEstimate, type RunEstimate } from '../report/estimate.js';
import type { EvalDeps, EvalOptions } from './eval.js';
import { loadPrices, loadTemplate } from './inputs.js';
import { prepareTask } from './prepare.js';
import { graderParamsFor, isProfessional, resolveSpecs, samplingParams } from './settings.js';
import { withShard } from './shard.js';

/**
 * `--dry-run`: loads and checks everything, renders every prompt the run would send (with a response of
 * the assumed length), and estimates calls, tokens and cost. Calls no model and writes nothing.
 */
export async function estimateEval(
  opts: EvalOptions,
  deps: Pick<EvalDeps, 'cwd' | 'env'>,
  assumed: { responseTokens?: number; verdictTokens?: number } = {},
): Promise<{ estimate: RunEstimate; text: string }> {
  const professional = await isProfessional(opts, deps.cwd);
  const { candidateSpec, graderSpecs } = resolveSpecs(opts, professional);
  const prices = await loadPrices(opts.pricesPath, deps.cwd);
  const template = await loadTemplate(opts.graderTemplatePath, deps.cwd);
  const { plan } = withShard(
    await prepareTask(opts, { cwd: deps.cwd, env: deps.env, limit: opts.limit, repeats: opts.repeats, template, graderSpecs }),
    opts.shard,
  );
  const responseTokens = assumed.responseTokens ?? (opts.task === 'medcalc' ? 400 : 500);
  const placeholder = 'x'.repeat(responseTokens * 4);
  const candidateParams = candidateSpec ? samplingParams(candidateSpec, opts) : null;
  const graderSystem = graderSpecs.map((g) => graderParamsFor(g, opts, professional).systemPrompt?.length ?? 0);
  const candidateInputChars: number[] = [];
  const graderInputChars: number[] = [];
  for await (const item of plan.items()) {
    const sent = item.fixedResponse === null ? withSystemPrompt(item.messages, candidateParams?.systemPrompt ?? null) : item.messages;
    if (item.fixedResponse === null && plan.needsCandidate) candidateInputChars.push(sent.reduce((n, m) => n + m.content.length, 0));
    for (const call of plan.evaluator.graderCalls(item, sent, item.fixedResponse ?? placeholder)) {
      graderInputChars.push(call.prompt.length + (graderSystem[call.grader] ?? 0));
    }
  }
  const estimate = estimateRun({
    candidateSpec: candidateSpec ? formatModelSpec(candidateSpec) : null,
    graderSpecs: graderSpecs.map(formatModelSpec),
    candidateInputChars,
    graderInputChars,
    assumedResponseTokens: responseTokens,
    assumedVerdictTokens: assumed.verdictTokens ?? 60,
    prices,
    batch: Boolean(opts.batch),
  });
  let text = renderEstimate(estimate, candidateSpec ? formatModelSpec(candidateSpec) : null, graderSpecs.map(formatModelSpec));
  const reasoning = [
    ...(candidateSpec && candidateParams ? [{ spec: candidateSpec, params: candidateParams }] : []),
    ...graderSpecs.map((g) => ({ spec: g, params: graderParamsFor(g, opts, professional) })),
  ]
    .filter((r) => r.params.api === 'responses' || r.params.reasoningEffort !== null)
    .map((r) => `${formatModelSpec(r.spec)}${r.params.reasoningEffort ? ` (effort ${r.params.reasoningEffort})` : ''}`);
  // Reasoning tokens depend on the model and the effort; they are billed as output, so the figure above is a floor.
  if (reasoning.length > 0)
    text += `  not included: reasoning tokens of ${reasoning.join(', ')}, billed as output; the cost above is a lower bound\n`;
  return { estimate, text };
}
