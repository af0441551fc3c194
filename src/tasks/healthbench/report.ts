import { buildHealthbenchReport, healthbenchBootstrapSeries, type OrderedSample, type ReportContext } from '../../report/build-report.js';
import { renderMarkdownReport } from '../../report/render-markdown.js';
import type { PlanReport } from '../../core/plan.js';
import type { HealthbenchReport } from '../../core/report.js';
import type { SampleRecord } from '../../core/types.js';

/** report.json, report.md and the stdout summary of a HealthBench run (also used by `merge` and `verify`). */
export function healthbenchReport(samples: readonly OrderedSample[], ctx: ReportContext): PlanReport<HealthbenchReport> {
  const report = buildHealthbenchReport(samples, ctx);
  const o = report.overall;
  const la = report.lengthAdjustment?.overall.adjusted;
  return {
    json: report,
    markdown: renderMarkdownReport(report),
    summary: [
      o.n === 0
        ? `overall: no scored samples (n=0, errors=${o.errors}); there is no score to report`
        : `overall ${o.score.toFixed(3)}  95% CI [${o.ci95[0].toFixed(3)}, ${o.ci95[1].toFixed(3)}]  n=${o.n}  errors=${o.errors}`,
      ...(la
        ? [
            `length-adjusted ${la.score.toFixed(3)}  95% CI [${la.ci95[0].toFixed(3)}, ${la.ci95[1].toFixed(3)}]  mean response ${Math.round(report.lengthAdjustment?.overall.meanResponseChars ?? 0)} chars`,
          ]
        : []),
      ...Object.entries(report.byTheme).map(([k, g]) => `  theme ${k.padEnd(22)} ${g.score.toFixed(3)}  n=${g.n}`),
      ...Object.entries(report.byGroup['use_case'] ?? {}).map(([k, g]) => `  use case ${k.padEnd(26)} ${g.score.toFixed(3)}  n=${g.n}`),
    ],
  };
}

/** The bootstraps {@link healthbenchReport} draws from samples in reference order (all clipped, like the reference). */
export function healthbenchBootstraps(ordered: readonly SampleRecord[]): { clip: boolean; series: Array<[string, number[]]> } {
  return { clip: true, series: healthbenchBootstrapSeries(ordered) };
}
