/**
 * A leave-one-out fixture small enough to work out by hand: 3 physicians, 7 rows, two themes.
 *
 * A = cluster:hedging_no-uncertainty_hedges (theme hedging), B = cluster:communication_health-professional_tailored
 * (theme communication). Labels per row (physician: label); the model's verdict in brackets.
 *
 *   r1 A  p1 T, p2 T, p3 F   [T]
 *   r2 A  p1 F, p2 F         [F]
 *   r3 A  p1 T, p3 T         [T]
 *   r4 B  p1 T, p2 F, p3 T   [F]
 *   r5 B  p2 T, p3 T         [T]
 *   r6 B  p1 F, p3 F         [F]
 *   r7 B  p2 T (one label: no comparison for anyone)   [grader error → null]
 *
 * Leave-one-out lists (1 = agree), f1 = 2PR/(P+R), n_f1 = n_P + n_R − P·n_P, balanced = mean, n summed:
 *
 * p1  A: prec_pos [1,0,1]=2/3 (3)  prec_neg [1]=1 (1)  rec_pos [1,1]=1 (2)  rec_neg [0,1]=1/2 (2)
 *        f1_pos 4/5 (n 3+2−2=3)  f1_neg 2/3 (n 1+2−1=2)  f1_balanced 11/15 (5)
 *     B: prec_pos [0,1]=1/2 (2)  prec_neg [1]=1 (1)  rec_pos [1]=1 (1)  rec_neg [0,1]=1/2 (2)
 *        f1_pos 2/3 (2)  f1_neg 2/3 (2)  f1_balanced 2/3 (4)
 *     all: prec_pos 3/5 (5)  prec_neg 1 (2)  rec_pos 1 (3)  rec_neg 1/2 (4)
 *        f1_pos 3/4 (5+3−3=5)  f1_neg 2/3 (2+4−2=4)  f1_balanced 17/24 (9)
 * p2  A: prec_pos [1,0]=1/2 (2)  prec_neg [1]=1 (1)  rec_pos [1]=1 (1)  rec_neg [0,1]=1/2 (2)
 *        f1_pos 2/3 (2)  f1_neg 2/3 (2)  f1_balanced 2/3 (4)
 *     B: prec_pos [1]=1 (1)  prec_neg [0,0]=0 (2)  rec_pos [0,0,1]=1/3 (3)  no rec_neg
 *        f1_pos 1/2 (1+3−1=3), no f1_neg, so no f1_balanced in B
 *     all: prec_pos 2/3 (3)  prec_neg 1/3 (3)  rec_pos 1/2 (4)  rec_neg 1/2 (2)
 *        f1_pos 4/7 (3+4−2=5)  f1_neg 2/5 (3+2−1=4)  f1_balanced 17/35 (9)
 * p3  A: prec_pos [1]=1 (1)  prec_neg [0,0]=0 (2)  rec_pos [0,0,1]=1/3 (3)  no rec_neg → no f1_balanced in A
 *     B: prec_pos [1,0,1]=2/3 (3)  prec_neg [1]=1 (1)  rec_pos [1,1]=1 (2)  rec_neg [0,1]=1/2 (2)
 *        f1_pos 4/5 (3)  f1_neg 2/3 (2)  f1_balanced 11/15 (5)
 *     all: prec_pos 3/4 (4)  prec_neg 1/3 (3)  rec_pos 3/5 (5)  rec_neg 1/2 (2)
 *        f1_pos 2/3 (4+5−3=6)  f1_neg 2/5 (3+2−1=4)  f1_balanced 8/15 (10)
 *
 * Model (r7 excluded):
 *     A: prec_pos [1,1,0,1,1]=4/5 (5)  prec_neg [1,1]=1 (2)  rec_pos [1,1,1,1]=1 (4)  rec_neg [0,1,1]=2/3 (3)
 *        f1_pos 8/9 (5+4−4=5)  f1_neg 4/5 (2+3−2=3)  f1_balanced 38/45 (8)
 *     B: prec_pos [1,1]=1 (2)  prec_neg [0,1,0,1,1]=3/5 (5)  rec_pos [0,0,1,1]=1/2 (4)  rec_neg [1,1,1]=1 (3)
 *        f1_pos 2/3 (2+4−2=4)  f1_neg 3/4 (5+3−3=5)  f1_balanced 17/24 (9)
 *     all: prec_pos 6/7 (7)  prec_neg 5/7 (7)  rec_pos 3/4 (8)  rec_neg 5/6 (6)
 *        f1_pos 4/5 (7+8−6=9)  f1_neg 10/13 (7+6−5=8)  f1_balanced 51/65 (17)
 *
 * Themes with minSamples 3 (a physician's theme n = sum of their f1_balanced n there):
 *   hedging: p1 11/15 (5), p2 2/3 (4); weighted avg (5·11/15 + 4·2/3)/9 = 19/27; model 38/45 is above both → 100.
 *   communication: p1 2/3 (4), p3 11/15 (5); weighted avg 19/27; model 17/24 lies between → (1 + 0)/2 × 100 = 50.
 */

import type { MetaRow } from '../../../src/meta/index.js';

export const A = 'cluster:hedging_no-uncertainty_hedges';
export const B = 'cluster:communication_health-professional_tailored';

function row(n: number, category: string, labels: [string, boolean][]): MetaRow {
  return {
    promptId: `p${n}`,
    completionId: `c${n}`,
    prompt: [{ role: 'user', content: `question ${n}` }],
    completion: `answer ${n}`,
    rubric: `criterion ${n}`,
    category,
    binaryLabels: labels.map(([, label]) => label),
    physicianIds: labels.map(([id]) => id),
  };
}

export const handRows: MetaRow[] = [
  row(1, A, [
    ['p1', true],
    ['p2', true],
    ['p3', false],
  ]),
  row(2, A, [
    ['p1', false],
    ['p2', false],
  ]),
  row(3, A, [
    ['p1', true],
    ['p3', true],
  ]),
  row(4, B, [
    ['p1', true],
    ['p2', false],
    ['p3', true],
  ]),
  row(5, B, [
    ['p2', true],
    ['p3', true],
  ]),
  row(6, B, [
    ['p1', false],
    ['p3', false],
  ]),
  row(7, B, [['p2', true]]),
];

export const handVerdicts: (boolean | null)[] = [true, false, true, false, true, false, null];
