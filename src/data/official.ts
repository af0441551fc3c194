/** The official HealthBench files (docs §1). Downloaded on first use, cached, verified where the hash is known. */
export interface OfficialFile {
  name: string;
  file: string;
  rows: number;
  /** Known sha256 of the file bytes, or null when nobody has published it. */
  sha256: string | null;
  /** Where the file is published, when not under OFFICIAL_BASE_URL (ends with '/'). */
  baseUrl?: string;
}

/** HealthBench Professional's published location: the Hugging Face dataset `openai/healthbench-professional`. */
export const PROFESSIONAL_BASE_URL = 'https://huggingface.co/datasets/openai/healthbench-professional/resolve/main/';

export const OFFICIAL_BASE_URL = 'https://openaipublic.blob.core.windows.net/simple-evals/healthbench/';

export const OFFICIAL_FILES: Record<string, OfficialFile> = {
  healthbench: {
    name: 'healthbench',
    file: '2025-05-07-06-14-12_oss_eval.jsonl',
    rows: 5000,
    sha256: 'e99dd3c6372c10d6fcc5e385c5fae69d0dd40392dae56836ef9493ae324ecd2f',
  },
  'healthbench-hard': { name: 'healthbench-hard', file: 'hard_2025-05-08-21-00-10.jsonl', rows: 1000, sha256: null },
  'healthbench-consensus': {
    name: 'healthbench-consensus',
    file: 'consensus_2025-05-09-20-00-46.jsonl',
    rows: 3671,
    sha256: null,
  },
  // 525 physician-authored tasks (April 2026); no sha256 has been published, so the download is recorded as 'unknown'.
  'healthbench-professional': {
    name: 'healthbench-professional',
    file: 'healthbench_professional_eval.jsonl',
    rows: 525,
    sha256: null,
    baseUrl: PROFESSIONAL_BASE_URL,
  },
  'healthbench-meta': {
    name: 'healthbench-meta',
    file: '2025-05-07-06-14-12_oss_meta_eval.jsonl',
    rows: 29511,
    sha256: '6a343ed3fcb6f28353c2c6c157ae30ddf2db874c947b27ba474ad54da9c5dbac',
  },
};
