/**
 * The report's response-length figures: the mean response length, and with a length adjustment configured the
 * adjusted score beside the raw one, overall and per example-tag group (theme and the Professional families).
 */
import { PROFESSIONAL_FAMILIES } from '../core/professional.js';
import type { GroupSummary, SampleRecord } from '../core/types.js';
import { LENGTH_ADJUSTED_KEY, summarizeGroup, type LengthAdjustment } from '../scoring/index.js';

/** The adjustment a run used and where its constants came from. */
export interface LengthAdjustmentSetting extends LengthAdjustment {
  /** e.g. `published constants for professional`, `--length-adjustment-center/-penalty`. */
  source: string;
}

/** One group's raw and adjusted score with its mean response length. */
export interface LengthGroup {
  raw: GroupSummary;
  adjusted: GroupSummary;
  meanResponseChars: number;
}

/** `report.json` `lengthAdjustment`. */
export interface LengthAdjustmentReport extends LengthAdjustmentSetting {
  /** The metric key in `metrics` (with `:n_samples` and `:bootstrap_std`). */
  metric: typeof LENGTH_ADJUSTED_KEY;
  overall: LengthGroup;
  /** By family (`theme`, `use_case`, `type`, `difficulty`, `specialty`), then group name. */
  byGroup: Record<string, Record<string, LengthGroup>>;
}

/** Families of example tags shown with adjusted scores. */
const FAMILIES = ['theme', ...PROFESSIONAL_FAMILIES] as const;

interface Row {
  raw: number;
  adjusted: number | null;
  chars: number;
  tags: readonly string[];
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function rowsOf(scored: readonly SampleRecord[]): Row[] {
  const rows: Row[] = [];
  for (const s of scored) {
    const chars = s.detail?.['responseChars'];
    const raw = s.metrics?.['overall_score'];
    if (typeof chars !== 'number' || raw === undefined) continue;
    rows.push({ raw, adjusted: s.metrics?.[LENGTH_ADJUSTED_KEY] ?? null, chars, tags: s.exampleTags });
  }
  return rows;
}

/** Mean response length in characters (code points) over the scored samples that recorded it; null when none did. */
export function meanResponseChars(scored: readonly SampleRecord[]): number | null {
  const rows = rowsOf(scored);
  return rows.length === 0 ? null : mean(rows.map((r) => r.chars));
}

function lengthGroup(rows: readonly Row[], name: string, seed: number): LengthGroup | null {
  const adjusted = rows.flatMap((r) => (r.adjusted === null ? [] : [r.adjusted]));
  if (rows.length === 0 || adjusted.length !== rows.length) return null;
  const rawName = name === LENGTH_ADJUSTED_KEY ? 'overall_score' : name;
  const adjustedName = name === LENGTH_ADJUSTED_KEY ? LENGTH_ADJUSTED_KEY : `${name}:length_adjusted`;
  return {
    raw: summarizeGroup(
      rows.map((r) => r.raw),
      { seed, name: rawName, clip: true },
    ),
    adjusted: summarizeGroup(adjusted, { seed, name: adjustedName, clip: true }),
    meanResponseChars: mean(rows.map((r) => r.chars)),
  };
}

/**
 * The `lengthAdjustment` section, or null when no adjustment was configured or no sample carries an adjusted score.
 * The overall adjusted summary uses the metric's own bootstrap stream, so its std equals
 * `overall_score_length_adjusted:bootstrap_std` in `metrics`.
 */
export function buildLengthAdjustment(
  scored: readonly SampleRecord[],
  setting: LengthAdjustmentSetting | null | undefined,
  seed: number,
): LengthAdjustmentReport | null {
  if (!setting) return null;
  const rows = rowsOf(scored);
  const overall = lengthGroup(rows, LENGTH_ADJUSTED_KEY, seed);
  if (overall === null) return null;
  const byGroup: Record<string, Record<string, LengthGroup>> = {};
  for (const family of FAMILIES) {
    const members = new Map<string, Row[]>();
    for (const r of rows) {
      for (const tag of r.tags) {
        if (!tag.startsWith(`${family}:`)) continue;
        const list = members.get(tag);
        if (list) list.push(r);
        else members.set(tag, [r]);
      }
    }
    const groups: Record<string, LengthGroup> = {};
    for (const tag of [...members.keys()].sort()) {
      const g = lengthGroup(members.get(tag) ?? [], tag, seed);
      if (g) groups[tag.slice(family.length + 1)] = g;
    }
    if (Object.keys(groups).length > 0) byGroup[family] = groups;
  }
  return { center: setting.center, penalty: setting.penalty, source: setting.source, metric: LENGTH_ADJUSTED_KEY, overall, byGroup };
}
