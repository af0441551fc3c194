import type { MetaDetail } from '../../core/records.js';
import type { MetaRunReport } from '../../core/report.js';
import type { Task } from '../../core/task.js';
import type { MetaRow } from '../../meta/index.js';
import { prepareMeta } from './prepare.js';
import { metaReport } from './report.js';

/** HealthBench meta-evaluation (the grader under test against physicians) behind the task contract. */
export const metaTask: Task<MetaRow, MetaDetail, MetaRunReport> = {
  name: 'meta',
  prepare: prepareMeta,
  rebuild(ordered, { report }, rc) {
    return metaReport(
      ordered.map((o) => o.sample),
      rc,
      report.dataset,
    );
  },
};
