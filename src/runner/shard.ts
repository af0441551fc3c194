/**
 * Sharding: one evaluation split across machines. The selected examples (after `--limit`'s reference selection)
 * are partitioned by a hash of the example id, so an example always lands in the same shard whatever the
 * machine, the order of the data or the other flags; repeats of an example stay together.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { WorkItem } from '../core/task.js';
import type { TaskPlan } from '../core/plan.js';
import type { ShardRecord, ShardSpec } from '../core/run-facts.js';
export type { ShardRecord, ShardSpec } from '../core/run-facts.js';

export const SHARD_HASH: ShardRecord['hash'] = 'sha256(exampleId) first 4 bytes big-endian mod count';

/** Parses `i/n` (1 ≤ i ≤ n ≤ 1000). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new UsageError(`--shard '${text}': expected i/n with 1 ≤ i ≤ n ≤ 1000, e.g. --shard 2/3 (the second of three shards)`);
  }
  return { index, count };
}

/** The 1-based shard an example id belongs to among `count` shards. */
export function shardOf(exampleId: string, count: number): number {
  const digest = createHash('sha256').update(exampleId, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/**
 * Restricts a plan to one shard: only that shard's examples are streamed and counted. Positions, the report
 * builder and the recorded selection stay those of the whole run, so the shards' samples merge back into
 * exactly the whole run's reference order.
 */
export function shardPlan(plan: TaskPlan, shard: ShardSpec): { plan: TaskPlan; record: ShardRecord } {
  const selected = plan.selectedIds.length;
  const members = new Set(plan.selectedIds.filter((id) => shardOf(id, shard.count) === shard.index));
  const perExample = selected === 0 ? 0 : plan.total / selected;
  const record: ShardRecord = { index: shard.index, count: shard.count, hash: SHARD_HASH, examples: members.size, selected };
  plan.notes.push(
    `Shard ${shard.index}/${shard.count}: ${members.size} of the ${selected} selected examples. Partial figures; \`healthbench merge\` the shards for the whole run.`,
  );
  async function* items(): AsyncGenerator<WorkItem> {
    for await (const item of plan.items()) if (members.has(item.exampleId)) yield item;
  }
  return { plan: { ...plan, total: Math.round(perExample * members.size), items }, record };
}

/** Notes a shard run adds to its report (dropped again when the shards are merged). */
export function isShardNote(note: string): boolean {
  return /^Shard \d+\/\d+: /.test(note);
}

/** Applies `--shard` when given. */
export function withShard(plan: TaskPlan, shard: ShardSpec | null | undefined): { plan: TaskPlan; shard: ShardRecord | null } {
  if (!shard) return { plan, shard: null };
  const out = shardPlan(plan, shard);
  return { plan: out.plan, shard: out.record };
}

/** `selection.json`: the whole run's selected example ids in reference order (every shard writes the same file). */
export interface SelectionFile {
  formatVersion: 1;
  count: number;
  exampleIds: string[];
}

export function renderSelection(plan: TaskPlan): string {
  const selection: SelectionFile = { formatVersion: 1, count: plan.selectedIds.length, exampleIds: [...plan.selectedIds] };
  return `${JSON.stringify(selection)}\n`;
}
