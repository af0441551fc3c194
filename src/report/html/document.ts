/**
 * The HTML shell shared by report.html and diff.html: one self-contained file with inline CSS, inline script and
 * the data as JSON. Nothing from the data is written as markup: it travels as JSON inside
 * `<script type="application/json">` with every `<` escaped, and the browser script shows it with textContent.
 */
import type { EncodedChunk } from './page-data.js';
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

/** A chunk of page data serialized with {@link embedJson}, not yet compressed. */
export function encodeChunk(value: unknown): EncodedChunk {
  const json = embedJson(value);
  return { chars: json.length, json, gzipBase64: null };
}

/** One data element; `attrs` is fixed markup (id or class), never data. */
function dataElement(attrs: string, chunk: EncodedChunk, compress: PageCompression | null): string {
  if (compress) {
    const gz = chunk.gzipBase64 ?? (chunk.json === null ? null : compress.gzipBase64(chunk.json));
    if (gz === null) throw new Error('page chunk has neither JSON nor gzip data');
    return `<script type="application/octet-stream" ${attrs} data-encoding="gzip-base64">${gz}</script>`;
  }
  if (chunk.json === null) throw new Error('page chunk kept only compressed, but the page is not compressed');
  return `<script type="application/json" ${attrs}>${chunk.json}</script>`;
}

/**
 * A complete page: static title (no data), the CSS, the embedded data and the browser script. `chunks` are the
 * detail chunks already serialized ({@link encodeChunk}, or built ahead with their gzip form).
 */
export function htmlDocument(
  title: string,
  data: unknown,
  script: string,
  compression?: PageCompression,
  chunks: readonly EncodedChunk[] = [],
): string {
  return htmlDocumentParts(title, encodeChunk(data), script, compression, chunks).join('');
}

/**
 * {@link htmlDocument} with its main data already serialized, as the pieces whose concatenation is the page. A big
 * page is mostly base64 (one byte per character) while the script has a few characters beyond Latin-1; written piece
 * by piece, the data never becomes part of one two-byte string of several MB, which is slow to build and to encode.
 */
export function htmlDocumentParts(
  title: string,
  main: EncodedChunk,
  script: string,
  compression?: PageCompression,
  chunks: readonly EncodedChunk[] = [],
): string[] {
  const total = chunks.reduce((n, c) => n + c.chars, main.chars);
  // Compress when the page is big; the index the table needs at once stays plain unless it is big by itself.
  const big = compression && total >= compression.minChars ? compression : null;
  const mainCompress = compression && main.chars >= compression.minChars ? compression : null;
  const lines = [
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
    ...chunks.map((c) => dataElement('class="hb-chunk"', c, big)),
    `<script>${script}</script>`,
    '</body>',
    '</html>',
  ];
  // Each line with its newline: the same text as the lines joined by '\n' plus a final newline.
  return lines.map((line) => `${line}\n`);
}
