import { describe, expect, test } from 'vitest';
import type { SampleRecord } from '../../../src/core/types.js';
import { buildHealthbenchReport } from '../../../src/report/build-report.js';
import {
  CLIENT_COMMON,
  DETAIL_CHUNK,
  buildDiffPage,
  buildReportPage,
  buildReportPageParts,
  diffExamples,
  embedJson,
  encodeChunk,
  encodeSamples,
  splitSamples,
  toPageSample,
} from '../../../src/report/html/index.js';
import { CLIENT_REPORT } from '../../../src/report/html/client-report.js';
import { htmlDocument } from '../../../src/report/html/document.js';
import { CTX, SAMPLES } from './hand-samples.js';

const HOSTILE = '</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"></textarea><!--';
const report = buildHealthbenchReport(
  SAMPLES.map((sample, position) => ({ position, sample })),
  CTX,
);
const hostile: SampleRecord[] = SAMPLES.map((s, i) =>
  i === 0 ? { ...s, response: HOSTILE, messagesSent: [{ role: 'user', content: HOSTILE }] } : s,
);

describe('embedJson', () => {
  test('escapes every < (so no </script> or <!--) and the JS line separators, and parses back to the same value', () => {
    const value = { text: HOSTILE, sep: 'a\u2028b\u2029c' };
    const json = embedJson(value);
    expect(json).not.toContain('<');
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('buildReportPage', () => {
  const html = buildReportPage(report, hostile.map(toPageSample));

  test('is one self-contained document: no external source, link or URL, and a CSP that forbids loading anything', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    const markup = html.replace(/<script type="application\/json"[^>]*>.*?<\/script>/gs, '');
    expect(markup).not.toMatch(/\s(src|href)=(?!["']?#)/i);
    expect(markup).not.toMatch(/https?:\/\//);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
  });

  test('carries the data only inside JSON scripts, where a hostile string cannot close the element', () => {
    expect(html.split('</script>')).toHaveLength(4);
    expect(html).not.toContain('window.__pwned=1</script>');
    const json = /<script type="application\/json" id="hb-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const data = JSON.parse(json) as { samples: Array<{ id: string; n: number }>; report: { overall: unknown }; chunkSize: number };
    expect(data.report.overall).toEqual(report.overall);
    expect(data.samples.map((s) => [s.id, s.n])).toEqual(hostile.map((s) => [s.exampleId, s.criteria.length]));
    const chunk = JSON.parse(/<script type="application\/json" class="hb-chunk">(.*?)<\/script>/s.exec(html)?.[1] ?? '') as Array<
      [Array<[string, string]>, string]
    >;
    expect(chunk[0]?.[0]).toEqual([['user', HOSTILE]]);
    expect(chunk[0]?.[1]).toBe(HOSTILE);
  });

  test('splits details into chunks of 100 and compresses them only when the page is big', () => {
    const many = Array.from({ length: 250 }, (_, i) => toPageSample({ ...(SAMPLES[0] as SampleRecord), exampleId: `x${i}` }));
    const { index, chunks } = splitSamples(many);
    expect(index).toHaveLength(250);
    expect(chunks.map((c) => c.length)).toEqual([100, 100, 50]);
    const gz = { minChars: 1, gzipBase64: (t: string) => Buffer.from(t).toString('base64') };
    const small = buildReportPage(report, many, undefined, { ...gz, minChars: 10_000_000 });
    expect(small.match(/class="hb-chunk"/g)).toHaveLength(3);
    expect(small).not.toContain('data-encoding="gzip-base64"');
    const big = buildReportPage(report, many, undefined, gz);
    expect(big.match(/class="hb-chunk" data-encoding="gzip-base64"/g)).toHaveLength(3);
  });

  test('with the rows and chunks serialized ahead, the page is the one built from the data object as a whole', () => {
    const many = Array.from({ length: 230 }, (_, i) =>
      toPageSample({ ...(SAMPLES[i % SAMPLES.length] as SampleRecord), exampleId: `y${i}` }),
    );
    const { index, chunks } = splitSamples(many);
    const data = { kind: 'report', report, graders: ['g1', 'g2'], chunkSize: DETAIL_CHUNK, samples: index };
    for (const minChars of [1, 10_000_000]) {
      const gz = { minChars, gzipBase64: (t: string) => Buffer.from(t).toString('base64') };
      const whole = htmlDocument('healthbench report', data, CLIENT_COMMON + CLIENT_REPORT, gz, chunks.map(encodeChunk));
      expect(buildReportPage(report, many, ['g1', 'g2'], gz)).toBe(whole);
      expect(buildReportPageParts(report, encodeSamples(many), ['g1', 'g2'], gz).join('')).toBe(whole);
    }
  });

  test('the browser script never writes markup from data', () => {
    const script = html.slice(html.lastIndexOf('<script>'));
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });
});

describe('toPageSample', () => {
  test('keeps what the sample view shows, compactly', () => {
    const s = SAMPLES[0] as SampleRecord;
    const p = toPageSample(s);
    expect(p.id).toBe(s.exampleId);
    expect(p.s).toBe(s.error === null ? s.score : null);
    expect(p.c.map((c) => [c[0], c[1], c[2]])).toEqual(
      s.criteria.map((c) => [c.text, c.points, c.met === true ? 1 : c.met === false ? 0 : null]),
    );
    expect(p.m).toEqual(s.messagesSent.map((m) => [m.role, m.content]));
  });
});

describe('buildDiffPage', () => {
  test('pairs each changed sample with the base and head responses', () => {
    const s = SAMPLES[0] as SampleRecord;
    const changed = [{ exampleId: s.exampleId, repeat: s.repeat, base: 0, head: 1, delta: 1, flipped: [] }];
    const ex = diffExamples(changed, [{ ...s, response: 'base says' }], [{ ...s, response: HOSTILE }]);
    expect(ex).toEqual([
      { id: s.exampleId, r: s.repeat, m: s.messagesSent.map((m) => [m.role, m.content]), base: 'base says', head: HOSTILE },
    ]);
    const html = buildDiffPage({ topChanged: changed } as never, ex);
    expect(html.split('</script>')).toHaveLength(3);
  });
});
