import type { HealthbenchDetail } from '../../core/records.js';
import type { HealthbenchReport } from '../../core/report.js';
import type { Task } from '../../core/task.js';
import type { Example } from '../../core/types.js';
import { prepareHealthbench, type HealthbenchOptions } from './prepare.js';
import { healthbenchReport } from './report.js';

/** HealthBench (all / hard / consensus / Professional / own data) behind the task contract. */
export const healthbenchTask: Task<Example, HealthbenchDetail, HealthbenchReport, HealthbenchOptions> = {
  name: 'healthbench',
  prepare: prepareHealthbench,
  rebuild(ordered, { run, report, notes }, rc) {
    const la = report.lengthAdjustment;
    const lengthAdjustment = la ? { center: la.center, penalty: la.penalty, source: la.source } : null;
    return healthbenchReport(ordered, {
      ...rc,
      dataset: report.dataset,
      notes,
      graderSpecs: run.config.graders.map((g) => g.spec),
      lengthAdjustment,
    });
  },
};
