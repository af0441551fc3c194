/**
 * Browser-side helpers shared by the report and diff pages (and reusable by other pages): element building that
 * only ever sets text with textContent, number formatting, bar charts with CI whiskers and forest-plot rows.
 * Shipped as source text inside the page; plain ES2020, no modules, no network.
 */
export const CLIENT_COMMON = String.raw`
'use strict';
var DATA = null;
var SMALL_N = 10;
/** An embedded data element: plain JSON, or (big pages) gzip-compressed JSON in base64, inflated by the browser itself. */
function decode(node) {
  if (node.getAttribute('data-encoding') !== 'gzip-base64') return Promise.resolve(JSON.parse(node.textContent));
  var bin = atob(node.textContent.trim()), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(JSON.parse);
}
function loadData() { return decode(document.getElementById('hb-data')); }
function el(tag, attrs, kids) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'oninput') e.addEventListener('input', v);
    else if (k === 'onchange') e.addEventListener('change', v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  if (kids) add(e, kids);
  return e;
}
function add(parent, kids) {
  for (var i = 0; i < kids.length; i++) {
    var c = kids[i];
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return parent;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function isNum(x) { return typeof x === 'number' && isFinite(x); }
function f3(x) { return isNum(x) ? x.toFixed(3) : '–'; }
function f4(x) { return isNum(x) ? x.toFixed(4) : '–'; }
function signed(x) { return isNum(x) ? (x > 0 ? '+' : '') + x.toFixed(4) : '–'; }
function intf(x) { return isNum(x) ? Math.round(x).toLocaleString('en-US') : '–'; }
function clamp01(x) { return Math.max(0, Math.min(1, isNum(x) ? x : 0)); }
function isGroup(g) { return g !== null && typeof g === 'object' && isNum(g.score) && Array.isArray(g.ci95) && isNum(g.n); }
function isGroupMap(m) {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return false;
  var keys = Object.keys(m);
  return keys.length > 0 && keys.every(function (k) { return isGroup(m[k]); });
}
function humanize(s) { return String(s).replace(/_/g, ' '); }
function kvTable(rows, label) {
  var body = rows.filter(function (r) { return r && r[1] !== null && r[1] !== undefined && r[1] !== ''; }).map(function (r) {
    return el('tr', null, [el('th', { scope: 'row', text: r[0] }), el('td', { class: 'pre' }, [typeof r[1] === 'object' ? r[1] : String(r[1])])]);
  });
  return el('table', { class: 'kv', 'aria-label': label }, [el('tbody', null, body)]);
}
function smallBadge(n) { return n < SMALL_N ? el('span', { class: 'badge warn', title: 'fewer than ' + SMALL_N + ' samples: the CI is unreliable', text: 'small n' }) : null; }
/** A bar chart of group scores (0–1) with 95% CI whiskers and n; small groups are hatched and badged. */
function barChart(title, groups, fmt) {
  fmt = fmt || f3;
  var names = Object.keys(groups);
  var rows = names.map(function (name) {
    var g = groups[name];
    var lo = clamp01(g.ci95[0]), hi = clamp01(g.ci95[1]);
    var plot = el('div', { class: 'track', 'aria-hidden': 'true' }, [
      el('div', { class: 'fill', style: 'width:' + (clamp01(g.score) * 100).toFixed(2) + '%' }),
      el('div', { class: 'whisker', style: 'left:' + (lo * 100).toFixed(2) + '%;width:' + ((hi - lo) * 100).toFixed(2) + '%' }),
    ]);
    return el('tr', { class: g.n < SMALL_N ? 'small' : null, 'data-group': name }, [
      el('th', { scope: 'row' }, [name, smallBadge(g.n)]),
      el('td', { class: 'num score', text: fmt(g.score) }),
      el('td', { class: 'num', text: '[' + fmt(g.ci95[0]) + ', ' + fmt(g.ci95[1]) + ']' }),
      el('td', { class: 'num n', text: String(g.n) }),
      el('td', { class: 'plot' }, [plot]),
    ]);
  });
  var id = 'chart-' + title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return el('section', { class: 'chart', 'aria-labelledby': id }, [
    el('h3', { id: id, text: title }),
    el('table', { class: 'bars' }, [
      el('thead', null, [el('tr', null, [el('th', { scope: 'col', text: 'group' }), el('th', { scope: 'col', class: 'num', text: 'score' }),
        el('th', { scope: 'col', class: 'num', text: '95% CI' }), el('th', { scope: 'col', class: 'num', text: 'n' }),
        el('th', { scope: 'col', text: 'bar: score, whisker: 95% CI (0 to 1)' })])]),
      el('tbody', null, rows),
    ]),
  ]);
}
/** One forest-plot cell: the CI as a segment and the estimate as a dot on a scale symmetric around 0. */
function forestCell(delta, lo, hi, scale) {
  function pos(x) { return (50 + (Math.max(-scale, Math.min(scale, x)) / scale) * 50).toFixed(2); }
  return el('div', { class: 'track', 'aria-hidden': 'true' }, [
    el('div', { class: 'zero' }),
    el('div', { class: 'seg', style: 'left:' + pos(lo) + '%;width:' + (pos(hi) - pos(lo)).toFixed(2) + '%' }),
    el('div', { class: 'dot', style: 'left:' + pos(delta) + '%' }),
  ]);
}
function messageBlock(role, text, label) {
  return el('div', { class: 'msg role-' + role }, [el('div', { class: 'role', text: label || role }), el('div', { class: 'text', text: text === null ? '(none)' : text })]);
}
function conversation(messages) {
  return el('div', { class: 'conversation' }, messages.map(function (m) { return messageBlock(m[0], m[1]); }));
}
function startPage(render) {
  var main = document.getElementById('main');
  function fail(e) { clear(main); add(main, [el('p', { role: 'alert', text: 'This page could not render its data: ' + (e && e.message ? e.message : String(e)) })]); throw e; }
  performance.mark('hb-start');
  loadData().then(function (data) {
    performance.mark('hb-data');
    DATA = data;
    clear(main); render(main);
    performance.mark('hb-rendered');
    document.documentElement.setAttribute('data-ready', '1');
  }).catch(fail);
}
`;
