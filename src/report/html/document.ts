/**
 * The HTML shell shared by report.html and diff.html: one self-contained file with inline CSS, inline script and
 * the data as JSON. Nothing from the data is written as markup: it travels as JSON inside
 * `<script type="application/json">` with every `<` escaped, and the browser script shows it with textContent.
 */
import { PAGE_CSS } from './styles.js';

/** JSON that cannot end its `<script>` element: `<` (so `</script>` and `<!--`) and the JS line separators are escaped. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A complete page: static title (no data), the CSS, the embedded data and the browser script. */
export function htmlDocument(title: string, data: unknown, script: string): string {
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
    `<script type="application/json" id="hb-data">${embedJson(data)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
