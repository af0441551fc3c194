/**
 * The benchmarks, each behind the `Task` contract (core/task.ts). The runner reaches a benchmark only through this
 * module; a task's code is loaded when its run needs it (`loadTask`), so start-up pays only for the task it runs.
 */
import type { TaskName } from '../core/records.js';
import type { AnyTask } from '../core/task.js';
import type { healthbenchTask } from './healthbench/task.js';
import type { medcalcTask } from './medcalc/task.js';
import type { metaTask } from './meta/task.js';

export type { HealthbenchOptions, LengthAdjustmentChoice, ResponseMode } from './healthbench/prepare.js';
export type { MedcalcOptions } from './medcalc/prepare.js';

/** Each task's own typed contract, by name. */
export interface TaskByName {
  healthbench: typeof healthbenchTask;
  medcalc: typeof medcalcTask;
  meta: typeof metaTask;
}

/** The task of this name, loaded on first use. */
export async function loadTask<N extends TaskName>(name: N): Promise<TaskByName[N]>;
export async function loadTask(name: TaskName): Promise<AnyTask> {
  switch (name) {
    case 'healthbench':
      return (await import('./healthbench/task.js')).healthbenchTask;
    case 'medcalc':
      return (await import('./medcalc/task.js')).medcalcTask;
    case 'meta':
      return (await import('./meta/task.js')).metaTask;
  }
}
