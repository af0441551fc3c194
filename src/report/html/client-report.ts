/**
 * Browser script of report.html (source text, see client-common.ts): headline, identity, charts, usage, errors
 * and the sample browser with its detail view. Renders lazily: one page of table rows at a time, a sample's
 * conversation and rubric only when it is opened.
 */
export const CLIENT_REPORT = String.raw`
var R, S, GRADERS, IS_MEDCALC;
var PAGE = 50;
var state = { theme: '', axis: '', lang: '', min: '', max: '', q: '', status: '', sort: 'score', dir: 1, page: 0 };
var searchText = null;
// Sample details (conversation, response, rubric) live in chunks, inflated and parsed on first use.
var chunkNodes = null, chunkPromises = [], chunkData = [], allLoaded = false;
function chunk(k) {
  if (!chunkNodes) chunkNodes = document.querySelectorAll('script.hb-chunk');
  if (!chunkPromises[k]) chunkPromises[k] = decode(chunkNodes[k]).then(function (c) { chunkData[k] = c; return c; });
  return chunkPromises[k];
}
function detailOf(i) { return chunk(Math.floor(i / DATA.chunkSize)).then(function (c) { var d = c[i % DATA.chunkSize]; return { m: d[0], o: d[1], c: d[2] }; }); }
function loadAllDetails() {
  if (!chunkNodes) chunkNodes = document.querySelectorAll('script.hb-chunk');
  var all = [];
  for (var k = 0; k < chunkNodes.length; k++) all.push(chunk(k));
  return Promise.all(all).then(function () { allLoaded = true; });
}

function meaning() {
  if (IS_MEDCALC) return 'Accuracy: the share of rows whose extracted answer matches the ground truth (within the row\'s limits for decimal answers). The 95% CI is a Wilson interval over rows.';
  if (R.task === 'meta') return 'Meta-evaluation figures: see the groups below.';
  return 'The mean over examples of each example\'s rubric score: points earned on positive criteria, minus points of harmful criteria that were met, divided by the positive points available, clipped to 0–1. ' +
    'The 95% CI is a bootstrap interval over examples: it shows how far the score can move by chance alone, so two runs whose difference lies inside it are not shown to differ (use healthbench diff for a paired test).';
}

function header(main) {
  document.title = (IS_MEDCALC ? 'MedCalc-Bench' : 'HealthBench') + ' report: ' + (R.model ? R.model.spec : 'baseline') + ' (' + R.runId + ')';
  add(main, [el('h1', { text: document.title })]);
  if (R.testDouble) add(main, [el('p', { class: 'banner', role: 'note', text: 'Test double: these figures come from the bundled fake provider, not from a real model; they only show that the pipeline works.' })]);
  var o = R.overall || { score: 0, ci95: [0, 0], n: 0, errors: 0 };
  add(main, [el('section', { 'aria-labelledby': 'h-overall' }, [
    el('h2', { id: 'h-overall', text: IS_MEDCALC ? 'Overall accuracy' : 'Overall score' }),
    el('div', { class: 'headline' }, [
      el('span', { class: 'big', id: 'overall-score', text: f3(o.score) }),
      el('span', { id: 'overall-ci', text: '95% CI [' + f3(o.ci95[0]) + ', ' + f3(o.ci95[1]) + ']' }),
      el('span', { id: 'overall-n', text: 'n = ' + o.n }),
      el('span', { class: o.errors > 0 ? 'badge bad' : 'muted', text: o.errors > 0 ? o.errors + ' errors excluded' : 'no errors' }),
      smallBadge(o.n),
    ]),
    el('p', { class: 'muted', text: meaning() }),
    otherHeadlines(),
  ])]);
}

/** Any other top-level summary the report carries (e.g. a length-adjusted score) shows up here. */
function otherHeadlines() {
  var rows = Object.keys(R).filter(function (k) { return k !== 'overall' && isGroup(R[k]); }).map(function (k) {
    var g = R[k];
    return [humanize(k), f3(g.score) + '  (95% CI [' + f3(g.ci95[0]) + ', ' + f3(g.ci95[1]) + '], n = ' + g.n + ')'];
  });
  var la = R.lengthAdjustment;
  if (la && la.overall && isGroup(la.overall.adjusted)) {
    var a = la.overall.adjusted;
    rows.push(['length-adjusted score', f3(a.score) + '  (95% CI [' + f3(a.ci95[0]) + ', ' + f3(a.ci95[1]) + '], n = ' + a.n + '; raw ' + f3(la.overall.raw.score) + ', mean response ' + Math.round(la.overall.meanResponseChars) + ' characters; ' + (la.source || '') + ')']);
  } else if (isNum(R.meanResponseChars)) rows.push(['mean response length', Math.round(R.meanResponseChars) + ' characters']);
  return rows.length ? kvTable(rows, 'other headline figures') : null;
}

function identity(main) {
  var d = R.dataset || {}, g = R.grader;
  var rows = [
    ['run', R.runId], ['created', R.createdAt], ['task', R.task],
    ['dataset', (d.name || '?') + ' — ' + d.count + ' examples × ' + R.repeats + ' repeat(s)' + (d.version ? ', version ' + d.version : '')],
    ['dataset sha256', (d.sha256 || '') + ' (official: ' + d.officialSha256 + ')'],
    ['model', R.model ? R.model.spec + ' ' + JSON.stringify(R.model.params) : 'none (baseline)'],
    ['grader', g ? g.spec + ' (' + g.mode + ') ' + JSON.stringify(g.params) : null],
    ['grader template', g ? g.templateSha256 + (g.officialTemplate ? ' (official template)' : ' (own template)') : null],
    ['seed', R.seed], ['tool', R.tool ? R.tool.name + ' ' + R.tool.version : null],
  ];
  if (R.medcalc) rows.push(['MedCalc', 'prompts: ' + R.medcalc.promptStyle + ', scoring: ' + R.medcalc.compat]);
  add(main, [el('h2', { text: 'Run identity' }), kvTable(rows, 'run identity')]);
  if (R.notes && R.notes.length) add(main, [el('ul', { class: 'notes' }, R.notes.map(function (n) { return el('li', { text: n }); }))]);
}

function charts(main) {
  var sets = [];
  if (isGroupMap(R.byTheme)) sets.push(['By theme', R.byTheme]);
  if (isGroupMap(R.byAxis)) sets.push(['By axis', R.byAxis]);
  if (isGroupMap(R.byLanguage)) sets.push(['By language', R.byLanguage]);
  Object.keys(R.byGroup || {}).forEach(function (fam) { if (isGroupMap(R.byGroup[fam])) sets.push(['By ' + humanize(fam), R.byGroup[fam]]); });
  if (isGroupMap(R.graderScores)) sets.push(['By grader (each alone)', R.graderScores]);
  var la = R.lengthAdjustment;
  if (la && la.byGroup) Object.keys(la.byGroup).forEach(function (fam) {
    var adjusted = {};
    Object.keys(la.byGroup[fam]).forEach(function (g) { adjusted[g] = la.byGroup[fam][g].adjusted; });
    if (isGroupMap(adjusted)) sets.push(['Length-adjusted, by ' + humanize(fam), adjusted]);
  });
  // Groups other helpers add at the top level of report.json (any map of group summaries) are shown too.
  var known = ['byTheme', 'byAxis', 'byLanguage', 'byGroup', 'graderScores'];
  Object.keys(R).forEach(function (k) { if (known.indexOf(k) < 0 && isGroupMap(R[k])) sets.push([humanize(k.replace(/^by([A-Z])/, function (_, c) { return 'By ' + c.toLowerCase(); })), R[k]]); });
  if (!sets.length) return;
  add(main, [el('h2', { text: 'Scores by group' }),
    el('p', { class: 'muted', text: 'Bars show the score, whiskers the 95% CI. Groups with fewer than ' + SMALL_N + ' samples are hatched and marked "small n": their intervals are unreliable (with n = 1 the interval is a single point).' }),
    el('div', { class: 'charts' }, sets.map(function (s) { return barChart(s[0], s[1]); }))]);
}

function usage(main) {
  var u = R.usage || {};
  var rows = Object.keys(u).map(function (role) {
    var x = u[role];
    return el('tr', null, [el('th', { scope: 'row', text: role }), el('td', { class: 'num', text: intf(x.calls) }), el('td', { class: 'num', text: intf(x.inputTokens) }),
      el('td', { class: 'num', text: intf(x.outputTokens) }), el('td', { class: 'num', text: intf(x.cachedInputTokens) })]);
  });
  add(main, [el('h2', { text: 'Usage and cost' }), el('table', { 'aria-label': 'token usage' }, [
    el('thead', null, [el('tr', null, ['role', 'calls', 'input tokens', 'output tokens', 'cached input'].map(function (h, i) { return el('th', { scope: 'col', class: i ? 'num' : null, text: h }); }))]),
    el('tbody', null, rows)])]);
  var c = R.cost;
  function usd(x) { return isNum(x) ? '$' + x.toFixed(2) : 'unknown'; }
  if (c) add(main, [el('p', { id: 'cost', text: 'Estimated cost: ' + usd(c.total) + ' (candidate ' + usd(c.candidate) + ', grader ' + usd(c.grader) + '; list prices as of ' + c.pricesAsOf + '). ' + (c.note || '') })]);
  else add(main, [el('p', { class: 'muted', text: R.testDouble ? 'No cost: the test double is free.' : 'No cost estimate in this report.' })]);
}

function errorsSection(main) {
  var errs = R.errors || [];
  add(main, [el('h2', { text: 'Errors' })]);
  if (!errs.length) { add(main, [el('p', { text: 'None: every sample was sampled and graded.' })]); return; }
  var shown = errs.slice(0, 200);
  add(main, [el('p', { text: errs.length + ' sample(s) could not be sampled or graded; they are excluded from every mean, never counted as "not met".' }),
    el('table', { 'aria-label': 'errors' }, [
      el('thead', null, [el('tr', null, ['example', 'repeat', 'stage', 'message'].map(function (h) { return el('th', { scope: 'col', text: h }); }))]),
      el('tbody', null, shown.map(function (e) { return el('tr', null, [el('td', { text: e.exampleId }), el('td', { class: 'num', text: String(e.repeat) }), el('td', { text: e.stage }), el('td', { class: 'pre', text: e.message })]); }))]),
    errs.length > shown.length ? el('p', { text: '…and ' + (errs.length - shown.length) + ' more in report.json.' }) : null]);
}

function agreement(main) {
  var a = R.graderAgreement;
  if (!a || !a.length) return;
  add(main, [el('h2', { text: 'Grader agreement' }), el('table', null, [
    el('thead', null, [el('tr', null, ['grader A', 'grader B', 'criteria', 'agreement', 'Cohen\'s kappa'].map(function (h, i) { return el('th', { scope: 'col', class: i > 1 ? 'num' : null, text: h }); }))]),
    el('tbody', null, a.map(function (g) { return el('tr', null, [el('td', { text: g.a }), el('td', { text: g.b }), el('td', { class: 'num', text: String(g.n) }), el('td', { class: 'num', text: f3(g.percentAgreement) }), el('td', { class: 'num', text: f3(g.kappa) })]); }))])]);
}

// ---- sample browser ----
function uniq(list) { var seen = new Set(); list.forEach(function (x) { if (x !== null && x !== undefined) seen.add(x); }); return Array.from(seen).sort(); }
function mc(s, k) { return s.d ? s.d[k] : undefined; }
function columns() {
  var cols = [{ key: 'id', label: 'example' }];
  if (R.repeats > 1) cols.push({ key: 'r', label: 'repeat', num: true });
  if (IS_MEDCALC) {
    cols.push({ key: 'calc', label: 'calculator' }, { key: 'cat', label: 'category' }, { key: 'ans', label: 'answer (extracted)' },
      { key: 'gt', label: 'ground truth' }, { key: 'lim', label: 'limits' }, { key: 'score', label: 'verdict' });
  } else {
    cols.push({ key: 'theme', label: 'theme' }, { key: 'lang', label: 'language' }, { key: 'crit', label: 'criteria', num: true }, { key: 'score', label: 'score', num: true });
    if (state.axis) cols.push({ key: 'axis', label: 'axis ' + humanize(state.axis), num: true });
  }
  return cols;
}
function sortValue(s, key) {
  switch (key) {
    case 'id': return s.id;
    case 'r': return s.r;
    case 'theme': return s.theme || '';
    case 'lang': return s.lang;
    case 'crit': return s.n;
    case 'axis': return isNum(s.ax[state.axis]) ? s.ax[state.axis] : null;
    case 'calc': return String(mc(s, 'calculatorName') || '');
    case 'cat': return String(mc(s, 'category') || '');
    case 'ans': case 'gt': case 'lim': return String(mc(s, key === 'ans' ? 'extracted' : key === 'gt' ? 'groundTruth' : 'lowerLimit') || '');
    default: return s.s;
  }
}
function haystack(i) {
  if (!searchText) searchText = [];
  if (searchText[i] === undefined) {
    var s = S[i], d = chunkData[Math.floor(i / DATA.chunkSize)][i % DATA.chunkSize];
    searchText[i] = (s.id + '\n' + d[0].map(function (m) { return m[1]; }).join('\n') + '\n' + (d[1] || '') + '\n' + d[2].map(function (c) { return c[0]; }).join('\n') + '\n' + (s.err || '')).toLowerCase();
  }
  return searchText[i];
}
function filtered() {
  var min = state.min === '' ? null : Number(state.min), max = state.max === '' ? null : Number(state.max), q = state.q.trim().toLowerCase();
  var out = [];
  for (var i = 0; i < S.length; i++) {
    var s = S[i];
    if (state.theme && s.theme !== state.theme) continue;
    if (state.lang && s.lang !== state.lang) continue;
    if (state.axis && !isNum(s.ax[state.axis])) continue;
    if (state.status === 'errors' && s.err === null) continue;
    if (state.status === 'scored' && s.err !== null) continue;
    if (min !== null && !(isNum(s.s) && s.s >= min)) continue;
    if (max !== null && !(isNum(s.s) && s.s <= max)) continue;
    if (q && haystack(i).indexOf(q) < 0) continue;
    out.push(i);
  }
  var key = state.sort, dir = state.dir;
  out.sort(function (a, b) {
    var x = sortValue(S[a], key), y = sortValue(S[b], key);
    if (x === null || x === undefined) return (y === null || y === undefined) ? a - b : 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : x > y ? 1 : 0) * dir || a - b;
  });
  return out;
}
function select(label, key, options) {
  return el('label', null, [label, el('select', { 'data-filter': key, onchange: function (e) { state[key] = e.target.value; state.page = 0; renderTable(); } },
    [el('option', { value: '', text: 'all' })].concat(options.map(function (o) { return el('option', { value: o[0], text: o[1] }); })))]);
}
function filterBar() {
  var axisSet = new Set(); S.forEach(function (s) { for (var a in s.ax) axisSet.add(a); });
  var axes = uniq(Array.from(axisSet));
  var timer = null;
  var bar = el('div', { class: 'filters', role: 'search', 'aria-label': 'filter samples' }, [
    !IS_MEDCALC ? select('theme', 'theme', uniq(S.map(function (s) { return s.theme; })).map(function (t) { return [t, humanize(t)]; })) : null,
    !IS_MEDCALC && axes.length ? select('axis', 'axis', axes.map(function (a) { return [a, humanize(a)]; })) : null,
    !IS_MEDCALC ? select('language', 'lang', uniq(S.map(function (s) { return s.lang; })).map(function (l) { return [l, l]; })) : null,
    select('status', 'status', [['scored', 'scored'], ['errors', 'errors']]),
    el('label', null, ['score ≥', el('input', { type: 'number', step: '0.05', 'data-filter': 'min', oninput: function (e) { state.min = e.target.value; state.page = 0; renderTable(); } })]),
    el('label', null, ['score ≤', el('input', { type: 'number', step: '0.05', 'data-filter': 'max', oninput: function (e) { state.max = e.target.value; state.page = 0; renderTable(); } })]),
    el('label', null, ['search (id, conversation, response, criteria)', el('input', { type: 'search', 'data-filter': 'q', size: 30, oninput: function (e) {
      clearTimeout(timer); var v = e.target.value; timer = setTimeout(function () { state.q = v; state.page = 0; renderTable(); }, 120); } })]),
  ]);
  return bar;
}
function cellFor(s, col, idx) {
  var v;
  switch (col.key) {
    case 'id': return el('td', null, [el('button', { class: 'link', 'data-open': String(idx), onclick: function () { openSample(idx, true); }, text: s.id })]);
    case 'score':
      if (s.err !== null) return el('td', { class: col.num ? 'num' : null }, [el('span', { class: 'badge bad', text: 'error' })]);
      if (IS_MEDCALC) return el('td', { class: s.s === 1 ? 'helped' : 'hurt', text: s.s === 1 ? 'correct' : 'wrong' });
      return el('td', { class: 'num', text: f3(s.s) });
    case 'axis': v = s.ax[state.axis]; return el('td', { class: 'num', text: f3(v) });
    case 'lim': return el('td', { class: 'num', text: mc(s, 'lowerLimit') === undefined || mc(s, 'lowerLimit') === null ? '–' : '[' + mc(s, 'lowerLimit') + ', ' + mc(s, 'upperLimit') + ']' });
    case 'ans': v = mc(s, 'extracted'); return el('td', { class: 'pre', text: v === null || v === undefined ? '(none)' : String(v) });
    case 'gt': return el('td', { class: 'pre', text: String(mc(s, 'groundTruth')) });
    default: v = sortValue(s, col.key); return el('td', { class: col.num ? 'num' : null, text: v === null || v === undefined ? '–' : String(v) });
  }
}
var tableHost = null;
function renderTable() {
  if (state.q.trim() && !allLoaded) {
    clear(tableHost);
    add(tableHost, [el('p', { id: 'sample-count', role: 'status', text: 'Reading every sample\'s text for the search…' })]);
    loadAllDetails().then(renderTable);
    return;
  }
  var rows = filtered(), cols = columns();
  var pages = Math.max(1, Math.ceil(rows.length / PAGE));
  if (state.page >= pages) state.page = pages - 1;
  var from = state.page * PAGE, slice = rows.slice(from, from + PAGE);
  var head = el('tr', null, cols.map(function (c) {
    var active = state.sort === c.key;
    return el('th', { scope: 'col', class: c.num ? 'num' : null, 'aria-sort': active ? (state.dir > 0 ? 'ascending' : 'descending') : null }, [
      el('button', { 'data-sort': c.key, onclick: function () { if (state.sort === c.key) state.dir = -state.dir; else { state.sort = c.key; state.dir = 1; } renderTable(); },
        text: c.label + (active ? (state.dir > 0 ? ' ▲' : ' ▼') : '') })]);
  }));
  var body = el('tbody', null, slice.map(function (i) { return el('tr', { 'data-sample': String(i) }, cols.map(function (c) { return cellFor(S[i], c, i); })); }));
  clear(tableHost);
  add(tableHost, [
    el('p', { id: 'sample-count', role: 'status', text: rows.length + ' of ' + S.length + ' samples' + (rows.length ? '; showing ' + (from + 1) + '–' + (from + slice.length) : '') }),
    el('table', { id: 'samples', 'aria-label': 'samples' }, [el('thead', null, [head]), body]),
    el('div', { class: 'pager' }, [
      el('button', { disabled: state.page === 0, onclick: function () { state.page -= 1; renderTable(); }, text: '← previous' }),
      el('span', { text: 'page ' + (state.page + 1) + ' of ' + pages }),
      el('button', { disabled: state.page >= pages - 1, onclick: function () { state.page += 1; renderTable(); }, text: 'next →' })]),
  ]);
}
function sampleBrowser(main) {
  tableHost = el('div', { id: 'table-host' });
  add(main, [el('section', { 'aria-labelledby': 'h-samples' }, [el('h2', { id: 'h-samples', text: 'Samples' }),
    el('p', { class: 'muted', text: 'Every sample, lowest score first. Click a header to sort, an example to open it.' }),
    filterBar(), tableHost]), el('section', { id: 'detail', hidden: true, 'aria-label': 'sample detail' })]);
  renderTable();
}

// ---- sample detail ----
function effect(points, met) {
  if (met === null) return el('span', { class: 'badge bad', text: 'grader error' });
  if (points >= 0) return met ? el('span', { class: 'helped', text: 'helped (+' + points + ')' }) : el('span', { class: 'hurt', text: 'hurt (missed ' + points + ')' });
  return met ? el('span', { class: 'hurt', text: 'hurt (penalty ' + points + ')' }) : el('span', { class: 'helped', text: 'helped (avoided ' + points + ')' });
}
function verdictText(v) { return v === 1 ? 'met' : v === 0 ? 'not met' : 'error'; }
function rubricTable(s, detail) {
  var several = GRADERS.length > 1;
  var headers = ['points', 'criterion', 'verdict', 'effect', 'grader explanation'];
  if (several) headers.push('each grader');
  return el('table', { id: 'rubric', 'aria-label': 'rubric items' }, [
    el('thead', null, [el('tr', null, headers.map(function (h, i) { return el('th', { scope: 'col', class: i === 0 ? 'num' : null, text: h }); }))]),
    el('tbody', null, detail.c.map(function (c) {
      return el('tr', { class: 'criterion' }, [
        el('td', { class: 'num', text: (c[1] > 0 ? '+' : '') + c[1] }),
        el('td', { class: 'pre' }, [c[0], c[6] ? el('span', { class: 'badge', text: humanize(c[6]) }) : null]),
        el('td', { class: 'verdict', text: verdictText(c[2]) }),
        el('td', null, [effect(c[1], c[2])]),
        el('td', { class: 'pre', text: c[5] ? c[3] + (c[3] ? '\n' : '') + 'error: ' + c[5] : c[3] }),
        several ? el('td', null, [el('ul', null, (c[4] || []).map(function (v, g) { return el('li', { text: (GRADERS[g] || 'grader ' + (g + 1)) + ': ' + verdictText(v) }); }))]) : null,
      ]);
    })),
  ]);
}
function medcalcDetail(s) {
  var d = s.d || {};
  return kvTable([['calculator', d.calculatorName + ' (' + d.calculatorId + ')'], ['category', d.category], ['row', d.rowNumber],
    ['answer (extracted)', d.extracted === null || d.extracted === undefined ? '(none)' : String(d.extracted)], ['ground truth', String(d.groundTruth)],
    ['limits', d.lowerLimit === null || d.lowerLimit === undefined ? '–' : '[' + d.lowerLimit + ', ' + d.upperLimit + ']'],
    ['verdict', d.correct === true ? 'correct' : 'wrong'], ['extraction', d.extractionError ? 'error: ' + d.extractionError : d.explanation]], 'MedCalc verdict');
}
function openSample(idx, push) {
  if (!S[idx]) return Promise.resolve();
  return detailOf(idx).then(function (detail) { showSample(idx, detail, push); });
}
function showSample(idx, detail, push) {
  var s = S[idx], box = document.getElementById('detail');
  clear(box);
  box.hidden = false;
  var title = el('h2', { tabindex: '-1', text: s.id + (R.repeats > 1 ? ' (repeat ' + s.r + ')' : '') });
  add(box, [title,
    el('button', { onclick: function () { box.hidden = true; if (location.hash) history.replaceState(null, '', location.pathname); var b = document.querySelector('[data-open="' + idx + '"]'); if (b) b.focus(); }, text: '← back to the table' }),
    kvTable([['score', s.err !== null ? 'error' : IS_MEDCALC ? (s.s === 1 ? 'correct' : 'wrong') : f3(s.s)], ['theme', s.theme], ['language', s.lang], ['tags', s.tags.join(', ')], ['error', s.err]], 'sample summary'),
    el('h3', { text: 'Conversation' }), conversation(detail.m),
    el('h3', { text: 'Candidate response' }), messageBlock('candidate', detail.o, 'candidate response'),
    IS_MEDCALC ? el('h3', { text: 'Answer check' }) : el('h3', { text: 'Rubric (' + detail.c.length + ' items)' }),
    IS_MEDCALC ? medcalcDetail(s) : rubricTable(s, detail)]);
  if (push) history.replaceState(null, '', '#sample=' + encodeURIComponent(s.id) + '&r=' + s.r);
  title.focus();
  box.scrollIntoView();
}
function openFromHash() {
  var m = /^#sample=([^&]*)&r=(\d+)$/.exec(location.hash);
  if (!m) return;
  var id = decodeURIComponent(m[1]), r = Number(m[2]);
  for (var i = 0; i < S.length; i++) if (S[i].id === id && S[i].r === r) { openSample(i, false); return; }
}

startPage(function (main) {
  R = DATA.report; S = DATA.samples; GRADERS = DATA.graders || []; IS_MEDCALC = R.task === 'medcalc';
  header(main); identity(main); charts(main); agreement(main); usage(main); errorsSection(main); sampleBrowser(main);
  openFromHash();
});
`;
