import type { MedcalcDetail } from '../../core/records.js';
import type { TaskEvaluator, WorkItem } from '../../core/task.js';
import { gradeMedcalc, medcalcSampleMetrics, type MedcalcMode, type MedcalcRow } from '../../medcalc/index.js';

/** MedCalc-Bench scoring of one response: deterministic extraction and correctness, no grader call. */
export function medcalcEvaluator(compat: MedcalcMode): TaskEvaluator<MedcalcRow, MedcalcDetail> {
  return {
    task: 'medcalc',
    graderCalls: () => [],
    finish(item: WorkItem<MedcalcRow>, response: string) {
      const row = item.payload;
      const grade = gradeMedcalc(response, row, compat);
      return {
        criteria: [],
        score: grade.correct ? 1 : 0,
        metrics: medcalcSampleMetrics(row, grade.correct),
        detail: {
          rowNumber: row.rowNumber,
          calculatorId: row.calculatorId,
          calculatorName: row.calculatorName,
          category: row.category,
          noteId: row.noteId,
          extracted: grade.extracted,
          explanation: grade.explanation,
          groundTruth: row.groundTruth,
          lowerLimit: row.lowerLimit,
          upperLimit: row.upperLimit,
          correct: grade.correct,
          extractionError: grade.error,
        },
        error: null,
      };
    },
  };
}
