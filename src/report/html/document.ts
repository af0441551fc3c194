/**
 * The HTML shell shared by report.html and diff.html: one self-contained file with inline CSS, inline script and
 * the data as JSON. Nothing from the data is written as markup: it travels as JSON inside
 * `<script type="application/json">` with every `<` escaped, and the browser script shows it with textContent.
 */
import { PAGE_CSS } from './styles.js';

/** JSON that cannot end its `<script>` element: `<` (so `</script>` and `<!--`) and the JS line separators are escaped. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * How the edge may shrink a big page: `gzipBase64` compresses text (the pure builder cannot), used when the JSON is
 * at least `minChars` long. The browser inflates it with its own DecompressionStream.
 */
export interface PageCompression {
  minChars: number;
  gzipBase64: (text: string) => string;
}

/** One data element; `attrs` is fixed markup (id or class), never data. */
function dataElement(attrs: string, json: string, compress: PageCompression | null): string {
  if (compress) return `<script type="application/octet-stream" ${attrs} data-encoding="gzip-base64">${compress.gzipBase64(json)}</script>`;
  return `<script type="application/json" ${attrs}>${json}</script>`;
}

/** A complete page: static title (no data), the CSS, the embedded data and the browser script. */
export function htmlDocument(
  title: string,
  data: unknown,
  script: string,
  compression?: PageCompression,
  chunks: readonly unknown[] = [],
): string {
  const main = embedJson(data);
  const parts = chunks.map((c) => embedJson(c));
  const total = parts.reduce((n, p) => n + p.length, main.length);
  // Compress when the page is big; the index the table needs at once stays plain unless it is big by itself.
  const big = compression && total >= compression.minChars ? compression : null;
  const mainCompress = compression && main.length >= compression.minChars ? compression : null;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Belt and braces for file:// and hosted copies: the page may load nothing from anywhere.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${title}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to content</a>',
    '<main id="main"><p id="loading">Loading…</p><noscript>This report needs JavaScript to show its data; report.json and report.md hold the same figures.</noscript></main>',
    dataElement('id="hb-data"', main, mainCompress),
    ...parts.map((p) => dataElement('class="hb-chunk"', p, big)),
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
