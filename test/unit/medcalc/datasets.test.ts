import { describe, expect, it } from 'vitest';
import { MEDCALC_DATASETS, MEDCALC_V1_CORRECTED_LABELS, findMedcalcDataset, medcalcSourceUrl } from '../../../src/medcalc/index.js';

describe('MedCalc dataset versions', () => {
  it('names each version once, with v1.0 as `medcalc` and its known checksums', () => {
    const names = MEDCALC_DATASETS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    const v10 = findMedcalcDataset('medcalc');
    expect(v10?.version).toBe('v1.0');
    expect(v10?.testRows).toBe(1047);
    expect(v10?.test.sha256).toBe('c2d23097f8bdb7ae4a77dbf4a5a767335df7303998d7c7664a73a29fd8e2b31a');
    expect(v10?.exemplars.sha256).toBe('f4b32fdccf6f8ec4c1e97e207a5f60da1fb4bacae3a8439668926453fda578ac');
    expect(findMedcalcDataset('medcalc-v1.2')?.testRows).toBe(1100);
    expect(findMedcalcDataset('medcalc-verified')?.testRows).toBe(1100);
    expect(findMedcalcDataset('nope')).toBeUndefined();
    expect(MEDCALC_V1_CORRECTED_LABELS.rows).toBe(887);
  });

  it('derives raw GitHub URLs from repo, ref and path, and HF dataset pages', () => {
    const v10 = findMedcalcDataset('medcalc');
    const [github, hf] = v10?.test.sources ?? [];
    expect(github && medcalcSourceUrl(github)).toBe(
      'https://raw.githubusercontent.com/ncbi-nlp/MedCalc-Bench/version-1.0/dataset/test_data.csv',
    );
    expect(hf && medcalcSourceUrl(hf)).toBe('https://huggingface.co/datasets/ncbi/MedCalc-Bench-v1.0');
  });
});
