/**
 * Known MedCalc-Bench dataset versions (docs/medcalc.md §1, data README). Sources are recorded as
 * the repository, ref and path the docs name; raw URLs are derived from them. Pure data.
 */

/** Where one file lives: a GitHub repository at a ref, or a Hugging Face dataset repository. */
export type MedcalcSource =
  { host: 'github'; repo: string; ref: string; path: string } | { host: 'huggingface'; repo: string; file: string | null };

/** One downloadable file with what we know about it. */
export interface MedcalcFile {
  sources: MedcalcSource[];
  /** Expected sha256 of the file bytes, where known. */
  sha256: string | null;
  bytes: number | null;
}

/** One dataset version the CLI can be pointed at. */
export interface MedcalcDatasetVersion {
  /** CLI name, e.g. `medcalc` (= v1.0). */
  name: string;
  /** Version label recorded with results ("specify which version you are using"). */
  version: string;
  testRows: number;
  trainRows: number;
  test: MedcalcFile;
  /** The one-shot exemplar file used with this version. */
  exemplars: MedcalcFile;
  notes: string;
}

const NCBI = 'ncbi-nlp/MedCalc-Bench';

/** The dataset versions, v1.0 first. */
export const MEDCALC_DATASETS: readonly MedcalcDatasetVersion[] = [
  {
    name: 'medcalc',
    version: 'v1.0',
    testRows: 1047,
    trainRows: 10053,
    test: {
      sources: [
        { host: 'github', repo: NCBI, ref: 'version-1.0', path: 'dataset/test_data.csv' },
        { host: 'huggingface', repo: 'ncbi/MedCalc-Bench-v1.0', file: null },
        { host: 'huggingface', repo: 'PTPReasoning/MedCalc-Bench-v1.0', file: null },
      ],
      sha256: 'c2d23097f8bdb7ae4a77dbf4a5a767335df7303998d7c7664a73a29fd8e2b31a',
      bytes: 4001702,
    },
    exemplars: {
      sources: [{ host: 'github', repo: NCBI, ref: 'version-1.0', path: 'evaluation/one_shot_finalized_explanation.json' }],
      sha256: 'f4b32fdccf6f8ec4c1e97e207a5f60da1fb4bacae3a8439668926453fda578ac',
      bytes: 232636,
    },
    notes: 'NeurIPS 2024 paper release; 55 calculators. The ncbi HF repo is gated; PTPReasoning mirror is ungated.',
  },
  {
    name: 'medcalc-v1.1',
    version: 'v1.1',
    testRows: 1100,
    trainRows: 10615,
    test: {
      sources: [
        { host: 'github', repo: NCBI, ref: 'version-1.1', path: 'dataset/test_data_10_6.csv' },
        { host: 'huggingface', repo: 'ncbi/MedCalc-Bench-v1.1', file: null },
      ],
      sha256: null,
      bytes: null,
    },
    exemplars: {
      sources: [{ host: 'github', repo: NCBI, ref: 'version-1.1', path: 'evaluation/one_shot_finalized_explanation.json' }],
      sha256: null,
      bytes: null,
    },
    notes: 'First called "v2.0" (Oct–Nov 2025); fixes errors in 12 calculators, new notes.',
  },
  {
    name: 'medcalc-v1.2',
    version: 'v1.2',
    testRows: 1100,
    trainRows: 10543,
    test: {
      sources: [
        { host: 'huggingface', repo: 'ncbi/MedCalc-Bench-v1.2', file: 'test_data_11_18_final.csv' },
        { host: 'github', repo: NCBI, ref: 'main', path: 'datasets/test_data.csv' },
      ],
      sha256: null,
      bytes: null,
    },
    exemplars: {
      sources: [{ host: 'github', repo: NCBI, ref: 'version-1.2', path: 'evaluation/one_shot_finalized_explanation.json' }],
      sha256: '9ae0909b2b056ad0b846250c078835b036ef17430256374271e22cc2bc20dfbc',
      bytes: 246996,
    },
    notes: '20 rows per calculator; recommended by the maintainers (Nov 2025). ID-24 example task fixed upstream (b67bde14).',
  },
  {
    name: 'medcalc-verified',
    version: 'verified',
    testRows: 1100,
    trainRows: 10538,
    test: {
      sources: [
        { host: 'huggingface', repo: 'nsk7153/MedCalc-Bench-Verified', file: null },
        { host: 'github', repo: 'nikhilk7153/MedCalc-Bench-Verified', ref: 'main', path: '' },
      ],
      sha256: null,
      bytes: null,
    },
    exemplars: {
      sources: [{ host: 'github', repo: 'nikhilk7153/MedCalc-Bench-Verified', ref: 'main', path: '' }],
      sha256: null,
      bytes: null,
    },
    notes: 'Dec 2025 update of v1.2 (issue #10: the ncbi repo is unmaintained); evaluation code identical to ncbi main.',
  },
];

/** The physician-validated relabel of 887 v1.0 rows (docs/medcalc.md §9); join on Unique ID = Row Number. */
export const MEDCALC_V1_CORRECTED_LABELS: MedcalcFile & { rows: number; appliesTo: string } = {
  sources: [{ host: 'github', repo: 'junzeye/validate-medcalc-labels', ref: 'b6f04168', path: 'data/medcalc_v1_corrected.csv' }],
  sha256: 'f6db9ab8b7bba365f7a0c30127aea0284446fe0269e8f72a7f34e8c52506ce97',
  bytes: 2024746,
  rows: 887,
  appliesTo: 'medcalc',
};

/**
 * A URL for a source: the raw GitHub file at its ref, or the Hugging Face dataset page (the docs name
 * the file, not its path inside the HF repository, so no file URL is guessed).
 */
export function medcalcSourceUrl(source: MedcalcSource): string {
  if (source.host === 'github') {
    if (source.path === '') return `https://github.com/${source.repo}`;
    return `https://raw.githubusercontent.com/${source.repo}/${source.ref}/${source.path}`;
  }
  return `https://huggingface.co/datasets/${source.repo}`;
}

/** Look up a dataset version by CLI name (`medcalc`, `medcalc-v1.2`, ...). */
export function findMedcalcDataset(name: string): MedcalcDatasetVersion | undefined {
  return MEDCALC_DATASETS.find((d) => d.name === name);
}
