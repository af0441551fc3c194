import type { MedcalcDetail } from '../../core/records.js';
import type { MedcalcReport } from '../../core/report.js';
import type { Task } from '../../core/task.js';
import type { MedcalcRow } from '../../medcalc/index.js';
import { prepareMedcalc, type MedcalcOptions } from './prepare.js';
import { medcalcReport } from './report.js';

/** MedCalc-Bench behind the task contract. */
export const medcalcTask: Task<MedcalcRow, MedcalcDetail, MedcalcReport, MedcalcOptions> = {
  name: 'medcalc',
  prepare: prepareMedcalc,
  rebuild(ordered, { report, notes }, rc) {
    // Reports written before the section was typed may lack fields; they rebuild as they always did.
    const m: Partial<MedcalcReport['medcalc']> = report.medcalc ?? {};
    return medcalcReport(
      ordered.map((o) => o.sample),
      rc,
      { dataset: report.dataset, notes, labelsInfo: m.labels ?? null, promptStyle: String(m.promptStyle), compat: String(m.compat) },
    );
  },
};
