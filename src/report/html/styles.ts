/** The pages' stylesheet (inline, no external fonts). Colours keep at least 4.5:1 contrast for text. */
export const PAGE_CSS = `
:root{--fg:#1b1f24;--muted:#4d5560;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--bar:#2f6fb3;--ci:#0b2f57;--bad:#a4161a;--good:#17612c;--warn:#7a4b00;
--user:#eef4fb;--assistant:#f3f0fa;--system:#f4f4f4;--candidate:#eef8f0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:16px 20px 60px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.2rem;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.02rem;margin:1.1em 0 .4em}
a{color:#0b5cad}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px}
.banner{border:2px solid var(--warn);background:#fff8e6;padding:8px 12px;border-radius:6px;color:#3d2a00}
.headline{display:flex;gap:24px;align-items:baseline;flex-wrap:wrap;margin:.6em 0}
.headline .big{font-size:2.4rem;font-weight:700}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{width:190px}
.charts{display:grid;grid-template-columns:1fr;gap:4px}
table.bars td.plot{width:45%;min-width:160px}
table.bars th[scope=row]{max-width:340px;overflow-wrap:anywhere}
.track{position:relative;height:14px;background:var(--soft);border:1px solid var(--line);border-radius:2px}
.fill{position:absolute;top:2px;bottom:2px;left:0;background:var(--bar)}
.whisker{position:absolute;top:6px;height:2px;background:var(--ci)}
.whisker::before,.whisker::after{content:"";position:absolute;top:-4px;width:2px;height:10px;background:var(--ci)}
.whisker::before{left:-1px}.whisker::after{right:-1px}
tr.small .fill{background:repeating-linear-gradient(45deg,#8fb3da 0 4px,#c9dcf0 4px 8px)}
.badge{display:inline-block;font-size:.78em;padding:0 6px;border-radius:9px;border:1px solid currentColor;margin-left:6px;white-space:nowrap}
.badge.warn{color:var(--warn)}.badge.bad{color:var(--bad)}.badge.good{color:var(--good)}
.zero{position:absolute;top:-2px;bottom:-2px;width:1px;background:#57606a;left:50%}
.seg{position:absolute;top:6px;height:2px;background:#57606a}
.dot{position:absolute;top:2px;width:10px;height:10px;margin-left:-5px;border-radius:50%;background:#57606a}
tr.sig-drop{background:#fde8e8}tr.sig-drop .seg,tr.sig-drop .dot{background:var(--bad)}
tr.sig-gain{background:#e6f4ea}tr.sig-gain .seg,tr.sig-gain .dot{background:var(--good)}
.filters{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:flex-end;background:var(--soft);padding:10px;border:1px solid var(--line);border-radius:6px}
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted);gap:2px}
.filters input,.filters select{font:inherit;padding:3px 6px;border:1px solid #8c959f;border-radius:4px;background:#fff;color:var(--fg)}
.filters input[type=number]{width:6em}
button{font:inherit;cursor:pointer;border:1px solid #8c959f;background:#fff;border-radius:4px;padding:2px 8px;color:var(--fg)}
button.link{border:none;background:none;color:#0b5cad;text-decoration:underline;padding:0;text-align:left}
th button{border:none;background:none;font-weight:600;padding:0}
.pager{display:flex;gap:10px;align-items:center;margin:8px 0}
.msg{border:1px solid var(--line);border-left-width:6px;border-radius:6px;margin:8px 0;padding:6px 10px}
.msg .role{font-weight:700;font-size:.85rem;text-transform:uppercase;letter-spacing:.04em}
.msg .text{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0 0}
.role-user{background:var(--user);border-left-color:#2f6fb3}
.role-assistant{background:var(--assistant);border-left-color:#6f42c1}
.role-system{background:var(--system);border-left-color:#6e7781}
.role-candidate{background:var(--candidate);border-left-color:#17612c}
.pre{white-space:pre-wrap;overflow-wrap:anywhere}
.helped{color:var(--good);font-weight:600}.hurt{color:var(--bad);font-weight:600}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:4px 14px 12px;margin:14px 0}
#detail:focus,#detail h2:focus{outline:2px solid #0b5cad}
@media (max-width:700px){.charts,.sbs{grid-template-columns:1fr}}
`;
