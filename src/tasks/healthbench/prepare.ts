import type { HealthbenchDetail } from '../../core/records.js';
import type { HealthbenchReport } from '../../core/report.js';
import type { Example, SampleRecord } from '../../core/types.js';
import { LanguageStream, userText } from '../../data/language.js';
import { openDataset, type Dataset } from '../../data/load-dataset.js';
import { selectExampleIndices } from '../../scoring/index.js';
import { BATCHED_GRADING_NOTE } from '../../grading/index.js';
import { formatModelSpec } from '../../providers/model-client.js';
import { batchedHealthbenchEvaluator } from './batched-evaluator.js';
import { healthbenchEvaluator, withResponseLength } from './evaluator.js';
import { UsageError } from '../../core/errors.js';
import { OFFICIAL_FILES } from '../../data/official.js';
import type { LengthAdjustmentSetting } from '../../report/length-report.js';
import { checkLengthAdjustment, PUBLISHED_LENGTH_ADJUSTMENT, type PublishedSet } from '../../scoring/index.js';
import type { WorkItem } from '../../core/task.js';
import type { PrepareContext, TaskPlan } from '../../core/plan.js';
import { healthbenchBootstraps, healthbenchReport } from './report.js';

export type ResponseMode = 'model' | 'physician' | 'reference';

/**
 * `--length-adjustment*`: `default` (on for Professional with its published constants, off for the other sets),
 * `none`, `published` (the constants published for the dataset's set) or explicit center and penalty.
 */
export type LengthAdjustmentChoice =
  { kind: 'default' } | { kind: 'none' } | { kind: 'published' } | { kind: 'custom'; center: number; penalty: number };

const SET_OF_NAME: Record<string, PublishedSet> = {
  healthbench: 'all',
  'healthbench-hard': 'hard',
  'healthbench-consensus': 'consensus',
  'healthbench-professional': 'professional',
};

/** Which published set a dataset is: by its name, by an official file name, or (for any file) by the Professional layout. */
function publishedSetOf(spec: string, dataset: Dataset): PublishedSet | null {
  if (dataset.layout === 'professional') return 'professional';
  const byName = SET_OF_NAME[spec];
  if (byName) return byName;
  const file = spec.split(/[\\/]/).pop()?.replace(/\.gz$/, '');
  const official = Object.values(OFFICIAL_FILES).find((f) => f.file === file);
  return official ? (SET_OF_NAME[official.name] ?? null) : null;
}

/** The adjustment a run applies, or null for none. */
export function resolveLengthAdjustment(
  choice: LengthAdjustmentChoice,
  set: PublishedSet | null,
  datasetName: string,
): LengthAdjustmentSetting | null {
  switch (choice.kind) {
    case 'none':
      return null;
    case 'default':
      return set === 'professional'
        ? { ...PUBLISHED_LENGTH_ADJUSTMENT.professional, source: 'HealthBench Professional default (published constants)' }
        : null;
    case 'published':
      if (set === null) {
        throw new UsageError(
          `--length-adjustment published: no published constants for dataset '${datasetName}' (known: healthbench, healthbench-hard, healthbench-consensus, healthbench-professional); give --length-adjustment-center and --length-adjustment-penalty instead`,
        );
      }
      return {
        ...PUBLISHED_LENGTH_ADJUSTMENT[set],
        source: `published constants for ${set === 'all' ? 'HealthBench (all)' : `HealthBench ${set}`}`,
      };
    case 'custom': {
      const adj = { center: choice.center, penalty: choice.penalty };
      checkLengthAdjustment(adj);
      return { ...adj, source: '--length-adjustment-center/--length-adjustment-penalty' };
    }
  }
}

/** Work items streamed: each selected example × repeats, or its physician / reference completions (docs/healthbench.md §10). */
async function* healthbenchItems(
  dataset: Dataset,
  rank: ReadonlyMap<number, number>,
  repeats: number,
  responses: ResponseMode,
): AsyncGenerator<WorkItem<Example>> {
  const selected = new Set(rank.keys());
  // Languages the data does not state: each example's text goes to the detector as the example is taken up, and
  // its answer comes back as soon as it is detected. The detector process starts when the first sample that needs
  // a language is recorded (after the first calls, not before); a failure surfaces in each sample that awaits one.
  const detector = new LanguageStream();
  try {
    yield* itemsOf(dataset, selected, rank, repeats, responses, detector);
  } finally {
    detector.end();
  }
}

async function* itemsOf(
  dataset: Dataset,
  selected: ReadonlySet<number>,
  rank: ReadonlyMap<number, number>,
  repeats: number,
  responses: ResponseMode,
  detector: LanguageStream,
): AsyncGenerator<WorkItem<Example>> {
  for await (const { index, example } of dataset.iterate(selected)) {
    const language = example.language ?? detector.language(userText(example.messages));
    const base = {
      exampleId: example.id,
      rank: rank.get(index) ?? 0,
      language,
      exampleTags: example.tags,
      messages: example.messages,
      payload: example,
    };
    if (responses === 'model') {
      for (let repeat = 0; repeat < repeats; repeat += 1) yield { ...base, repeat, fixedResponse: null };
    } else if (responses === 'physician') {
      if (example.ideal) yield { ...base, repeat: 0, fixedResponse: example.ideal.idealCompletion };
    } else if (example.ideal && example.ideal.group !== 'Group 1') {
      for (const [repeat, text] of example.ideal.refCompletions.entries()) yield { ...base, repeat, fixedResponse: text };
    }
  }
}

/** HealthBench's own `prepare` options. */
export interface HealthbenchOptions {
  responses: ResponseMode;
  graderVote: 'first' | 'majority';
  /** Set for `--grader-mode batched`: the batched template text. */
  batchedTemplate: string | null;
  /** @default { kind: 'default' } */
  lengthAdjustment?: LengthAdjustmentChoice | undefined;
}

/** HealthBench (all / hard / consensus / own data): candidate call, one grader call per rubric item, reference scoring. */
export async function prepareHealthbench(
  datasetSpec: string,
  ctx: PrepareContext & HealthbenchOptions,
): Promise<TaskPlan<Example, HealthbenchDetail, HealthbenchReport>> {
  const dataset = await openDataset(datasetSpec, { cwd: ctx.cwd, env: ctx.env });
  if (dataset.layout === 'professional' && ctx.responses === 'reference') {
    throw new UsageError(
      '--responses reference: HealthBench Professional has no reference completions; use --responses physician or model',
    );
  }
  const adjustment = resolveLengthAdjustment(
    ctx.lengthAdjustment ?? { kind: 'default' },
    publishedSetOf(datasetSpec, dataset),
    dataset.name,
  );
  const selected = selectExampleIndices(dataset.ids.length, ctx.limit);
  const rank = new Map(selected.map((index, r) => [index, r]));
  const rankById = new Map(selected.map((index, r) => [dataset.ids[index] ?? '', r]));
  const n = selected.length;
  /** Reference order: all examples of repeat 0 in selection order, then repeat 1, ... (docs/healthbench.md §9). */
  const position = (s: Pick<SampleRecord, 'exampleId' | 'repeat'>): number => s.repeat * n + (rankById.get(s.exampleId) ?? 0);
  const repeatsPerExample = ctx.responses === 'reference' ? 4 : ctx.responses === 'physician' ? 1 : ctx.repeats;
  const notes: string[] = [];
  if (ctx.responses !== 'model') {
    notes.push(
      `Baseline run: graded the ${ctx.responses === 'physician' ? 'physician-written ideal completions' : 'reference model completions (4 per example, Groups 2 and 3)'}; no candidate model was called. Examples without them are skipped.`,
    );
  }
  if (!ctx.template.official) {
    notes.push(
      'Grader template: our own wording with the official structure and output contract (not byte-identical to the official template).',
    );
  }
  if (ctx.batchedTemplate !== null) notes.push(BATCHED_GRADING_NOTE);
  if (ctx.graderSpecs.length > 1)
    notes.push(`${ctx.graderSpecs.length} graders; scores use the ${ctx.graderVote === 'majority' ? 'majority verdict' : 'first grader'}.`);
  const templates = ctx.graderSpecs.map(() => ctx.template.text);
  const datasetInfo = { name: dataset.name, sha256: dataset.sha256, officialSha256: dataset.officialSha256, count: n };
  return {
    task: 'healthbench',
    dataset: datasetInfo,
    identity: {
      responses: ctx.responses,
      graderVote: ctx.graderVote,
      graderMode: ctx.batchedTemplate === null ? 'per-criterion' : 'batched',
      // Only when set, so runs without an adjustment keep the identity they always had.
      ...(adjustment ? { lengthAdjustment: { center: adjustment.center, penalty: adjustment.penalty } } : {}),
    },
    // Baselines skip examples without completions; the total is an upper bound used for progress only.
    total: n * repeatsPerExample,
    selectedIds: selected.map((index) => dataset.ids[index] ?? ''),
    items: () => healthbenchItems(dataset, rank, ctx.repeats, ctx.responses),
    evaluator: withResponseLength(
      ctx.batchedTemplate === null
        ? healthbenchEvaluator(templates, ctx.graderVote)
        : batchedHealthbenchEvaluator(templates, ctx.graderVote, { batchedTemplate: ctx.batchedTemplate }),
      adjustment,
    ),
    needsCandidate: ctx.responses === 'model',
    needsGrader: true,
    position,
    notes,
    bootstraps: healthbenchBootstraps,
    report(samples, rc) {
      return healthbenchReport(
        samples.map((sample) => ({ position: position(sample), sample })),
        { ...rc, dataset: datasetInfo, notes, graderSpecs: ctx.graderSpecs.map(formatModelSpec), lengthAdjustment: adjustment },
      );
    },
  };
}
