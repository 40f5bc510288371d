// Klynge: type-ahead search in the top bar. Data is only ever written with textContent.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  window.klyngeEl = el;

  var input = document.getElementById("typeahead");
  var list = document.getElementById("typeahead-list");
  if (!input || !list) return;
  var timer = null;
  var items = [];
  var active = -1;
  var seq = 0;

  function close() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); }

  function render(suggestions) {
    list.replaceChildren();
    items = suggestions;
    active = -1;
    if (!suggestions.length) { close(); return; }
    suggestions.forEach(function (s, i) {
      var li = el("li");
      li.setAttribute("role", "option");
      li.id = "ta-" + i;
      li.dataset.url = s.url;
      li.appendChild(el("span", "ta-kind", s.kind));
      li.appendChild(el("span", "ta-label", s.label));
      li.appendChild(el("span", "ta-sub", s.sub));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); window.location.assign(s.url); });
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(i) {
    var lis = list.querySelectorAll("li");
    lis.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i;
    if (i >= 0) input.setAttribute("aria-activedescendant", "ta-" + i);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    timer = setTimeout(function () {
      var mine = ++seq;
      fetch("/suggest.json?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (body) { if (mine === seq) render(body.suggestions || []); })
        .catch(function () { close(); });
    }, 150);
  });
  input.addEventListener("keydown", function (ev) {
    if (list.hidden) return;
    if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(0, active - 1)); }
    else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); window.location.assign(items[active].url); }
    else if (ev.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();

// Cluster fit on the organisation profile: loaded after the page, since it is computed on demand.
(function () {
  "use strict";
  var panel = document.getElementById("cluster-fit");
  if (!panel || !panel.dataset.fitUrl) return;
  var el = window.klyngeEl;
  var body = document.getElementById("cluster-fit-body");
  fetch(panel.dataset.fitUrl, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (res) {
      var fit = res.cluster_fit || {};
      if (!res.ok || fit.status !== "ok") {
        var note = el("p", "note", (fit && fit.note) || res.error || "Cluster fit not computed.");
        body.replaceWith(note);
        return;
      }
      var cols = fit.columns;
      var iName = cols.indexOf("name"), iId = cols.indexOf("cluster_id"), iScore = cols.indexOf("score"),
          iMember = cols.indexOf("member"), iWhy = cols.indexOf("explanation");
      var ul = el("ol", "fit-list");
      fit.rows.slice(0, 5).forEach(function (row) {
        var li = el("li");
        var a = el("a", "strong", iName >= 0 ? row[iName] : row[iId]);
        if (iId >= 0) a.href = "/cluster/" + encodeURIComponent(row[iId]);
        li.appendChild(a);
        if (iScore >= 0 && typeof row[iScore] === "number") li.appendChild(el("span", "count", "fit " + row[iScore].toFixed(2)));
        if (iMember >= 0 && row[iMember]) li.appendChild(el("span", "badge badge-on", "member"));
        if (iWhy >= 0 && row[iWhy]) li.appendChild(el("div", "muted small", row[iWhy]));
        ul.appendChild(li);
      });
      body.replaceWith(ul);
      panel.dataset.ready = "true";
    })
    .catch(function () { body.textContent = "Cluster fit could not be loaded."; });
})();
