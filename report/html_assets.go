package report

import (
	"crypto/sha256"
	"encoding/base64"
)

// The page's own style sheet and script, inlined: the page is one file
// that makes no request of any kind. Neither holds capture content.

// htmlCSS reads on screen and on paper: dark text on white, and no fact
// told by colour alone (every class, status and confidence is also a
// word, and the bars differ by pattern as well as by shade, so a grey
// printer keeps them apart).
const htmlCSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #c8c8c8; --tint: #f3f3f3; --accent: #0b4f8a; }
* { box-sizing: border-box; }
html { background: #fff; color: var(--ink); }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin: 2.2rem 0 .8rem; }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; }
a { color: var(--accent); }
code, .mono, td.num, .endpoints { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .92em; }
code { overflow-wrap: anywhere; }
nav.toc { border: 1px solid var(--rule); padding: .4rem .8rem; margin: 0 0 1rem; }
nav.toc ul { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
table { border-collapse: collapse; margin: .4rem 0 .8rem; width: 100%; }
th, td { border: 1px solid var(--rule); padding: .2rem .45rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--tint); font-weight: 600; white-space: nowrap; }
td.mono, td .endpoints, td code { overflow-wrap: anywhere; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.time { white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0 .8rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.muted, .left-out { color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: .6rem; margin: .6rem 0 1rem; padding: 0; list-style: none; }
.figures li { border: 1px solid var(--rule); padding: .4rem .8rem; min-width: 8rem; }
.figures .n { display: block; font-size: 1.5rem; font-weight: 700; }
.badge { display: inline-block; border: 1px solid var(--ink); border-radius: 3px; padding: 0 .35rem; font-size: .85em; white-space: nowrap; }
.badge.class-network { border-width: 2px; font-weight: 700; }
.badge.class-protocol { border-style: double; border-width: 3px; }
.badge.class-server-policy { border-style: dashed; }
.badge.class-client { border-style: dotted; }
.badge.class-unknown, .badge.class-other { border-color: var(--muted); color: var(--muted); }
.chart td.bar { width: 45%; }
.bar span { display: block; height: 1rem; min-width: 2px; border: 1px solid var(--ink); -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.bar .class-network { background: repeating-linear-gradient(45deg, #333 0 3px, #777 3px 6px); }
.bar .class-protocol { background: repeating-linear-gradient(90deg, #555 0 2px, #bbb 2px 5px); }
.bar .class-server-policy { background: repeating-linear-gradient(0deg, #666 0 2px, #ccc 2px 5px); }
.bar .class-client { background: radial-gradient(#666 1px, #eee 1.5px) 0 0 / 4px 4px; }
.bar .class-unknown, .bar .class-other { background: #ddd; }
ol.first { padding-left: 1.4rem; }
ol.first li { margin: .3rem 0; }
section.verdict { border: 1px solid var(--rule); border-left: 6px solid var(--ink); padding: .7rem 1rem; margin: 1rem 0; }
section.finding { border-left-style: dashed; }
section.verdict > p.summary { font-size: 1.05em; margin: .2rem 0 .6rem; }
.filter-line { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
button.copy { font: inherit; font-size: .85em; padding: 0 .5rem; border: 1px solid var(--ink); background: #fff; color: var(--ink); border-radius: 3px; cursor: pointer; }
figure { margin: .8rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9em; }
tr.bad td:first-child::before { content: "\2717\00a0"; }
td.status-complete::before { content: "\2713\00a0"; }
details { border: 1px solid var(--rule); padding: .3rem .8rem; margin: .6rem 0; }
details > summary { cursor: pointer; font-weight: 600; }
.js th.sortable { cursor: pointer; }
.js th.sortable::after { content: " \2195"; color: var(--muted); }
th[aria-sort="ascending"]::after { content: " \2191"; }
th[aria-sort="descending"]::after { content: " \2193"; }
ul.errors li { margin: .2rem 0; }
footer { margin-top: 3rem; border-top: 1px solid var(--rule); padding-top: .5rem; color: var(--muted); font-size: .9em; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  nav.toc, button.copy { display: none !important; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  section.verdict { break-before: page; border-left-width: 4px; }
  figure, tr, .figures li, dl.facts { break-inside: avoid; }
  details:not([open]) > summary::after { content: " (folded: open it before printing to include it)"; font-weight: normal; }
}
`

// htmlScript is the optional JavaScript: it shows the copy buttons of
// the Wireshark filters (hidden without it, so no button does nothing),
// sorts a table by the column heading clicked (by a cell's data-sort
// where its text does not sort: times, durations, byte counts), and
// opens a folded
// section a link points into. The page reads the same without it.
const htmlScript = `
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function fallbackCopy(text) {
    var t = document.createElement("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.style.position = "fixed";
    t.style.opacity = "0";
    document.body.appendChild(t);
    t.select();
    try { document.execCommand("copy"); } catch (e) {}
    document.body.removeChild(t);
  }
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-copy");
      var done = function () {
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  });
  function cellValue(row, i) {
    var c = row.cells[i];
    if (!c) { return ""; }
    return c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent.trim();
  }
  var number = /^-?[\d,]*\.?\d+$/;
  function compare(a, b) {
    if (number.test(a) && number.test(b)) {
      return parseFloat(a.replace(/,/g, "")) - parseFloat(b.replace(/,/g, ""));
    }
    return a.localeCompare(b, undefined, { numeric: true });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows[0].cells : [], function (th, i) {
      th.classList.add("sortable");
      th.tabIndex = 0;
      var sort = function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(th.parentNode.cells, function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var d = compare(cellValue(r1, i), cellValue(r2, i));
          return asc ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") { el.open = true; }
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
`

// htmlCSP forbids every fetch: nothing but the page's own inline style
// and this one script (by its hash), images only as data: URLs, no base
// URL and no form target. Even a bug that let capture text through as
// markup could load, send or run nothing.
var htmlCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '" + scriptHash(htmlScript) +
	"'; base-uri 'none'; form-action 'none'"

// scriptHash is the CSP source expression that allows exactly script.
func scriptHash(script string) string {
	sum := sha256.Sum256([]byte(script))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
