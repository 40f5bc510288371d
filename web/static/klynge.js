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

// Cluster fit: the explanation of one row (parts with weights, the most similar member, a board chain),
// shared by the profile's cluster-fit panel and the cluster page's candidate firms.
(function () {
  "use strict";
  var el = window.klyngeEl;

  function link(href, text, className) {
    var a = el("a", className, text);
    a.href = href;
    return a;
  }

  function fitDetails(det) {
    var box = el("div", "fit-details small");
    if (!det) return box;
    var parts = (det.parts || []).filter(function (p) { return p.contribution > 0; }).slice(0, 3);
    if (parts.length) {
      var ul = el("ul", "fit-parts-inline");
      parts.forEach(function (p) {
        ul.appendChild(el("li", "fit-part-" + p.group,
          p.title + " " + p.value.toFixed(2) + " × " + p.weight.toFixed(2) + " = +" + p.contribution.toFixed(2)));
      });
      box.appendChild(ul);
    }
    var sim = (det.similar || [])[0];
    if (sim) {
      var p = el("p", "fit-similar", "Most like member ");
      p.appendChild(link("/org/" + encodeURIComponent(sim.orgnr), sim.name || sim.orgnr));
      p.appendChild(document.createTextNode(" (" + sim.reasons.join(", ") + ")"));
      box.appendChild(p);
    }
    var chain = (det.chains || [])[0];
    if (chain && chain.length) {
      var c = el("p", "fit-chain", "Board chain: ");
      c.appendChild(link("/org/" + encodeURIComponent(chain[0].from), chain[0].from_name || chain[0].from));
      chain.forEach(function (st) {
        c.appendChild(document.createTextNode(" — "));
        if (st.person_key) c.appendChild(link("/person/" + encodeURIComponent(st.person_key), st.person, "person"));
        else c.appendChild(el("span", "person", st.person));
        c.appendChild(document.createTextNode(" — "));
        c.appendChild(link("/org/" + encodeURIComponent(st.to), st.to_name || st.to));
      });
      box.appendChild(c);
    }
    return box;
  }

  function load(panel, url, key, render) {
    var body = panel.querySelector(".muted");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        var table = res[key] || {};
        if (!res.ok || table.status !== "ok") {
          body.replaceWith(el("p", "note", (table && table.note) || res.error || "Not computed."));
          panel.dataset.ready = "true";
          return;
        }
        var cols = table.all_columns || table.columns, rows = table.all_rows || table.rows;
        var list = el("ol", "fit-list");
        rows.slice(0, 5).forEach(function (row, i) {
          var r = {};
          cols.forEach(function (c, j) { r[c] = row[j]; });
          var li = render(r);
          li.appendChild(fitDetails((table.details || [])[i]));
          list.appendChild(li);
        });
        body.replaceWith(list);
        panel.dataset.ready = "true";
      })
      .catch(function () { body.textContent = "Could not be loaded."; });
  }

  // Cluster fit on the organisation profile: loaded after the page, since it is computed on demand.
  var fit = document.getElementById("cluster-fit");
  if (fit && fit.dataset.fitUrl) {
    load(fit, fit.dataset.fitUrl, "cluster_fit", function (r) {
      var li = el("li");
      li.appendChild(link("/cluster/" + encodeURIComponent(r.cluster_id), r.name || r.cluster_id, "strong"));
      if (typeof r.score === "number") li.appendChild(el("span", "count", "score " + r.score.toFixed(2)));
      if (r.member) li.appendChild(el("span", "badge badge-on", "member"));
      if (r.candidate_rank) li.appendChild(el("span", "muted small fit-rank",
        (r.member ? "would rank " : "rank ") + r.candidate_rank + " of " + r.candidates + " candidates"));
      return li;
    });
  }

  // Candidate firms on the cluster page.
  var cand = document.getElementById("candidate-firms");
  if (cand && cand.dataset.candidatesUrl) {
    load(cand, cand.dataset.candidatesUrl, "candidates", function (r) {
      var li = el("li");
      li.appendChild(link("/org/" + encodeURIComponent(r.orgnr), r.name || r.orgnr, "strong"));
      if (r.place) li.appendChild(el("span", "muted small", " " + r.place));
      if (typeof r.score === "number") li.appendChild(el("span", "count", "score " + r.score.toFixed(2)));
      return li;
    });
  }
})();
