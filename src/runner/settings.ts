import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { TaskPlan } from '../core/plan.js';
import { peekLayout } from '../data/professional.js';
import {
  DEFAULT_GRADER,
  DEFAULT_PROFESSIONAL_GRADER,
  formatModelSpec,
  isReasoningModel,
  parseModelSpec,
  referenceCandidateParams,
  referenceGraderParams,
  resolveApi,
  type ModelSpec,
  type SamplingParams,
} from '../providers/model-client.js';
import type { ApiChoice, EvalOptions } from './eval.js';

// How the options of a run resolve into models, parameters and limits: no file is read here except the
// first bytes of a dataset file (to tell HealthBench Professional's layout).

/** MedCalc-Bench datasets are named `medcalc*` or are CSV files. */
export function taskForDataset(dataset: string): 'healthbench' | 'medcalc' {
  return dataset.startsWith('medcalc') || dataset.toLowerCase().endsWith('.csv') ? 'medcalc' : 'healthbench';
}

/** Paths where two configs differ, for a refusal message that names them. */
export function configDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      configDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return [`${path.slice(1) || '(root)'}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`];
}

/** `5%`, `0.05` → that fraction of `total`; `10` → 10 samples. */
export function resolveMaxErrors(text: string, total: number): number {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  const value = pct ? Number(pct[1]) / 100 : Number(t);
  if (t === '' || !Number.isFinite(value) || value < 0 || (pct && value > 1)) {
    throw new UsageError(`--max-errors: expected a count like 10, a fraction like 0.05 or a percentage up to 100% like 5%, got '${text}'`);
  }
  if (pct || (value < 1 && !Number.isInteger(value))) return Math.floor(value * total);
  return Math.floor(value);
}

export function requireSpec(text: string, flag: string): ModelSpec {
  const spec = parseModelSpec(text);
  if (!spec)
    throw new UsageError(`${flag} '${text}': expected provider:model with provider openai or anthropic (e.g. openai:gpt-4.1-mini)`);
  return spec;
}

/** The models a run needs, checked before anything else happens. */
export function resolveSpecs(opts: EvalOptions, professional = false): { candidateSpec: ModelSpec | null; graderSpecs: ModelSpec[] } {
  const needsCandidate = opts.task === 'medcalc' || (opts.task === 'healthbench' && opts.responses === 'model');
  const needsGrader = opts.task !== 'medcalc';
  if (needsCandidate && opts.model === null) throw new UsageError('--model is required (or --responses physician|reference)');
  if (opts.repeats < 1 || !Number.isInteger(opts.repeats))
    throw new UsageError(`--repeats: expected an integer from 1, got ${opts.repeats}`);
  return {
    candidateSpec: needsCandidate && opts.model !== null ? requireSpec(opts.model, '--model') : null,
    graderSpecs: needsGrader
      ? (opts.graders.length > 0 ? opts.graders : [professional ? DEFAULT_PROFESSIONAL_GRADER : DEFAULT_GRADER]).map((g) =>
          requireSpec(g, '--grader'),
        )
      : [],
  };
}

/**
 * Candidate parameters: the flags, else the reference's defaults. MedCalc-Bench's reference sends exactly
 * [system, user] with the API's default sampling (docs/medcalc.md §4), so it gets no extra system line and
 * no temperature or max_tokens (Anthropic, which requires max_tokens, gets the client's 4096).
 */
export function samplingParams(spec: ModelSpec, opts: EvalOptions): SamplingParams {
  const ref: SamplingParams =
    opts.task === 'medcalc'
      ? { temperature: null, maxTokens: null, systemPrompt: null, reasoningEffort: null }
      : referenceCandidateParams(spec);
  return {
    temperature: opts.temperature ?? ref.temperature,
    maxTokens: opts.maxTokens ?? ref.maxTokens,
    systemPrompt: opts.systemPrompt === undefined ? ref.systemPrompt : opts.systemPrompt,
    reasoningEffort: opts.reasoningEffort ?? ref.reasoningEffort,
    ...apiField(spec, opts.api, '--api'),
  };
}

/** `{api: 'responses'}` when the model goes through the Responses API, else nothing (Chat Completions / Messages). */
export function apiField(spec: ModelSpec, choice: ApiChoice | undefined, flag: string): Pick<SamplingParams, 'api'> {
  if (spec.provider !== 'openai' && choice === 'responses') {
    throw new UsageError(
      `${flag} responses: the Responses API is OpenAI's; ${formatModelSpec(spec)} goes through Anthropic Messages (drop ${flag})`,
    );
  }
  return resolveApi(spec, choice ?? 'auto') === 'responses' ? { api: 'responses' } : {};
}

/**
 * Grader parameters: the reference's, the grader's API, and its reasoning effort (the flag, else low for a reasoning
 * grader on HealthBench Professional, as its authors grade, else the API's default).
 */
export function graderParamsFor(spec: ModelSpec, opts: EvalOptions, professional: boolean): SamplingParams {
  const effort = opts.graderReasoningEffort ?? (professional && spec.provider === 'openai' && isReasoningModel(spec.model) ? 'low' : null);
  return { ...referenceGraderParams(spec), reasoningEffort: effort, ...apiField(spec, opts.graderApi, '--grader-api') };
}

/** True when the run grades HealthBench Professional (by name, or a file in its layout): it changes defaults. */
export async function isProfessional(opts: EvalOptions, cwd: string): Promise<boolean> {
  if (opts.task !== 'healthbench') return false;
  if (opts.dataset === 'healthbench-professional') return true;
  if (!/\.jsonl(\.gz)?$/.test(opts.dataset)) return false;
  return (await peekLayout(resolve(cwd, opts.dataset))) === 'professional';
}

export function newRunId(now: Date, model: string | null): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const slug = (model ?? 'baseline').replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 40);
  return `${stamp}-${slug}-${randomBytes(2).toString('hex')}`;
}

/** Says so when `--limit` asks for more examples than the dataset has (the run takes them all). */
export function noteShortDataset(opts: EvalOptions, plan: TaskPlan, notify: (line: string) => void): void {
  const examples = plan.total / opts.repeats;
  if (opts.limit !== undefined && opts.limit > examples) {
    notify(
      `--limit ${opts.limit} is more than the ${examples} examples of ${opts.dataset}; running all ${examples} (a --limit of ${examples} or less silences this note)`,
    );
  }
}
