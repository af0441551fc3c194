/** Browser script of diff.html (source text, see client-common.ts): run identities, forest plot, flipped criteria side by side. */
export const CLIENT_DIFF = String.raw`
var D, EX;
function verdict(b) { return b ? 'met' : 'not met'; }
function flipEffect(c) {
  var better = c.points >= 0 ? (c.head && !c.base) : (c.base && !c.head);
  return el('span', { class: better ? 'helped' : 'hurt', text: better ? 'helped head' : 'hurt head' });
}
function identityTable() {
  function row(label, f) { return el('tr', null, [el('th', { scope: 'row', text: label }), el('td', { class: 'pre', text: String(f(D.base)) }), el('td', { class: 'pre', text: String(f(D.head)) })]); }
  return el('table', { 'aria-label': 'runs compared' }, [
    el('thead', null, [el('tr', null, [el('td'), el('th', { scope: 'col', text: 'base' }), el('th', { scope: 'col', text: 'head' })])]),
    el('tbody', null, [row('run', function (r) { return r.runId; }), row('task', function (r) { return r.task; }), row('dataset', function (r) { return r.datasetName + ' (sha256 ' + String(r.datasetSha256).slice(0, 12) + '…)'; }),
      row('grader', function (r) { return r.graderSpec || '–'; }), row('grader template', function (r) { return r.graderTemplateSha256 ? String(r.graderTemplateSha256).slice(0, 12) + '…' : '–'; }),
      row('samples read', function (r) { return r.samples; })])]);
}
function marker(g) {
  if (g.direction === 'regressed') return el('span', { class: 'badge bad', text: '▼ significant drop' });
  if (g.direction === 'improved') return el('span', { class: 'badge good', text: '▲ significant gain' });
  if (g.prompts < D.minPromptsForSignificance && (g.ci[0] > 0 || g.ci[1] < 0)) return el('span', { class: 'badge warn', text: 'too few prompts' });
  return null;
}
function forest() {
  var scale = 0.01;
  D.groups.forEach(function (g) { scale = Math.max(scale, Math.abs(g.ci[0]), Math.abs(g.ci[1]), Math.abs(g.delta)); });
  var level = Math.round((1 - D.alpha) * 1000) / 10 + '% CI';
  return el('table', { id: 'forest', 'aria-label': 'per-group deltas' }, [
    el('thead', null, [el('tr', null, [['group'], ['base', 1], ['head', 1], ['Δ', 1], [level, 1], ['prompts', 1], ['Δ with CI (0 in the middle, ±' + scale.toFixed(3) + ' at the edges)'], ['']].map(function (h) { return el('th', { scope: 'col', class: h[1] ? 'num' : null, text: h[0] }); }))]),
    el('tbody', null, D.groups.map(function (g) {
      return el('tr', { class: g.direction === 'regressed' ? 'sig-drop' : g.direction === 'improved' ? 'sig-gain' : null, 'data-group': g.group }, [
        el('th', { scope: 'row', text: g.group }), el('td', { class: 'num', text: f4(g.base) }), el('td', { class: 'num', text: f4(g.head) }),
        el('td', { class: 'num delta', text: signed(g.delta) }), el('td', { class: 'num', text: '[' + signed(g.ci[0]) + ', ' + signed(g.ci[1]) + ']' }),
        el('td', { class: 'num', text: String(g.prompts) }), el('td', { class: 'plot' }, [forestCell(g.delta, g.ci[0], g.ci[1], scale)]), el('td', null, [marker(g)])]);
    }))]);
}
function oneSided(title, list) {
  if (!list.length) return null;
  return el('p', null, [title + ' (' + list.length + '): ', list.slice(0, 100).map(function (e) { return e.exampleId + ' (repeat ' + e.repeats.join(', ') + ')'; }).join(', ') + (list.length > 100 ? ', …' : '')]);
}
function changedCard(e) {
  var ex = EX.filter(function (x) { return x.id === e.exampleId && x.r === e.repeat; })[0];
  var flips = e.flipped.length ? el('table', { class: 'flips', 'aria-label': 'flipped criteria' }, [
    el('thead', null, [el('tr', null, [['points', 1], ['criterion'], ['base'], ['head'], ['effect']].map(function (h) { return el('th', { scope: 'col', class: h[1] ? 'num' : null, text: h[0] }); }))]),
    el('tbody', null, e.flipped.map(function (c) {
      return el('tr', null, [el('td', { class: 'num', text: (c.points > 0 ? '+' : '') + c.points }), el('td', { class: 'pre', text: c.text }),
        el('td', { text: verdict(c.base) }), el('td', { text: verdict(c.head) }), el('td', null, [flipEffect(c)])]);
    }))]) : el('p', { text: 'No criterion verdict flipped.' });
  return el('article', { class: 'card changed', 'aria-label': 'changed sample ' + e.exampleId }, [
    el('h3', { text: e.exampleId + ' (repeat ' + e.repeat + '): ' + f4(e.base) + ' → ' + f4(e.head) + ' (' + signed(e.delta) + ')' }),
    flips,
    ex ? el('details', null, [el('summary', { text: 'Conversation (' + ex.m.length + ' messages)' }), conversation(ex.m)]) : null,
    ex ? el('div', { class: 'sbs' }, [messageBlock('candidate', ex.base, 'base response'), messageBlock('assistant', ex.head, 'head response')])
      : el('p', { class: 'muted', text: 'Responses not embedded: rebuild with healthbench diff BASE HEAD --out DIR, or healthbench view DIR --base BASE --head HEAD.' }),
  ]);
}
startPage(function (main) {
  D = DATA.diff; EX = DATA.examples || [];
  document.title = 'healthbench diff: ' + D.base.runId + ' → ' + D.head.runId;
  var reg = D.groups.filter(function (g) { return g.direction === 'regressed'; }).length, imp = D.groups.filter(function (g) { return g.direction === 'improved'; }).length;
  add(main, [el('h1', { text: document.title }),
    el('p', { id: 'diff-summary', text: D.pairs.paired + ' paired samples over ' + D.pairs.prompts + ' prompts; headline ' + D.headlineMetric + (D.clipped ? ' (clipped mean)' : '') +
      '. CIs: paired bootstrap over prompts, ' + D.bootstrapSamples + ' resamples, seed ' + D.seed + '; significant = CI excludes 0 with at least ' + D.minPromptsForSignificance + ' prompts. ' +
      'Significant: ' + reg + ' drop(s), ' + imp + ' gain(s) of ' + D.groups.length + ' groups.' }),
    D.warnings.length ? el('div', { class: 'banner', role: 'note' }, [el('ul', null, D.warnings.map(function (w) { return el('li', { text: 'Warning: ' + w }); }))]) : null,
    el('h2', { text: 'Runs' }), identityTable(),
    el('h2', { text: 'Per-group change (forest plot)' }), forest(),
    el('h2', { text: 'Examples in one run only' }),
    oneSided('only in base', D.onlyInBase) || oneSided('only in head', D.onlyInHead) ? el('div', null, [oneSided('only in base', D.onlyInBase), oneSided('only in head', D.onlyInHead)]) : el('p', { text: 'None: both runs cover the same samples.' }),
    D.pairs.excludedErrors.total > 0 ? el('p', { text: 'Left out because a side failed: ' + D.pairs.excludedErrors.total + ' (base errors ' + D.pairs.excludedErrors.base + ', head errors ' + D.pairs.excludedErrors.head + ').' }) : null,
    el('h2', { text: 'Most changed samples: flipped criteria, base vs head' }),
    D.topChanged.length ? el('div', null, D.topChanged.map(changedCard)) : el('p', { text: 'No paired sample changed its score.' })]);
});
`;
