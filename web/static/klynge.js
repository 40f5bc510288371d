// Klynge: type-ahead on every search box, the phone menu, translated messages. Data is only ever written with
// textContent.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  window.klyngeEl = el;

  // Messages of the page's language (web/i18n.py JS_MESSAGES), sent as JSON data in base.html.
  var messages = {};
  var holder = document.getElementById("klynge-messages");
  if (holder) { try { messages = JSON.parse(holder.textContent); } catch (e) { messages = {}; } }
  function t(key, values) {
    var s = messages[key] !== undefined ? messages[key] : key;
    if (values) Object.keys(values).forEach(function (k) { s = s.replace("%(" + k + ")s", String(values[k])); });
    return s;
  }
  window.klyngeT = t;
  window.klyngeLocale = messages._locale || "en";
  // Numbers the way the page's language writes them (space thousands and decimal comma in Bokmål).
  window.klyngeNumber = function (v, digits) {
    if (typeof v !== "number" || !isFinite(v)) return "–";
    var loc = window.klyngeLocale === "nb" ? "nb-NO" : "en-GB";
    return v.toLocaleString(loc, { maximumFractionDigits: digits === undefined ? 3 : digits });
  };

  // ------------------------------------------------------------------ type-ahead
  // <input data-typeahead> suggests organisations, clusters and (advisors) persons from /suggest.json.
  // data-kinds="organization" limits the kinds; data-fill="true" writes the choice into the field (its name
  // shown, its key kept in data-key) instead of opening the page.
  function TypeAhead(input) {
    var list = input.getAttribute("aria-controls") ? document.getElementById(input.getAttribute("aria-controls")) : null;
    if (!list) {
      list = el("ul", "typeahead");
      list.id = (input.id || input.name || "ta") + "-list";
      list.setAttribute("role", "listbox");
      list.hidden = true;
      input.parentNode.style.position = "relative";
      input.parentNode.appendChild(list);
      input.setAttribute("aria-controls", list.id);
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("autocomplete", "off");
    }
    var timer = null, items = [], active = -1, seq = 0;
    var fill = input.dataset.fill === "true";
    var kinds = input.dataset.kinds || "";

    function close() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); }

    function choose(s) {
      if (!fill) { window.location.assign(s.url); return; }
      input.value = s.label;
      input.dataset.key = s.key;
      input.dispatchEvent(new CustomEvent("klynge:chosen", { detail: s }));
      close();
    }

    function render(suggestions) {
      list.replaceChildren();
      items = suggestions;
      active = -1;
      if (!suggestions.length) { close(); return; }
      suggestions.forEach(function (s, i) {
        var li = el("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + i;
        li.dataset.url = s.url;
        li.dataset.key = s.key;
        li.appendChild(el("span", "ta-kind", t("kind_" + s.kind)));
        li.appendChild(el("span", "ta-label", s.label));
        li.appendChild(el("span", "ta-sub", s.sub));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(s); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(i) {
      list.querySelectorAll("li").forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0) input.setAttribute("aria-activedescendant", list.id + "-" + i);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      delete input.dataset.key;
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        var url = "/suggest.json?q=" + encodeURIComponent(q) + (kinds ? "&kinds=" + encodeURIComponent(kinds) : "");
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (body) { if (mine === seq) render(body.suggestions || []); })
          .catch(function () { close(); });
      }, 150);
    });
    input.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { ev.preventDefault(); highlight(Math.min(items.length - 1, active + 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); highlight(Math.max(0, active - 1)); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); choose(items[active]); }
      else if (ev.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll("input[data-typeahead]").forEach(function (input) { new TypeAhead(input); });

  // A form whose fields were filled from the type-ahead sends the chosen keys (the names stay visible).
  document.querySelectorAll("form[data-send-keys]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[data-typeahead][data-fill='true']").forEach(function (input) {
        if (input.dataset.key) input.value = input.dataset.key;
      });
    });
  });

  // ------------------------------------------------------------------ phone menu
  var toggle = document.getElementById("navtoggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = !document.body.classList.contains("nav-open");
      document.body.classList.toggle("nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // ------------------------------------------------------------------ search over the query library
  var libFilter = document.getElementById("library-filter");
  if (libFilter) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.library-query"));
    var count = document.getElementById("library-count");
    var fold = function (s) {
      return s.toLowerCase().normalize("NFKD").replace(/æ/g, "ae").replace(/ø/g, "o").replace(/[\u0300-\u036f]/g, "");
    };
    var texts = rows.map(function (r) { return fold(r.textContent); });
    libFilter.addEventListener("input", function () {
      var words = fold(libFilter.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (r, i) {
        var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        r.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) count.textContent = String(shown);
    });
  }
})();

// Cluster fit: the explanation of one row (parts with weights, the most similar member, a board chain),
// shared by the profile's cluster-fit panel and the cluster page's candidate firms.
(function () {
  "use strict";
  var el = window.klyngeEl, t = window.klyngeT, num = window.klyngeNumber;

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
          (p.label || p.title) + " " + num(p.value, 2) + " × " + num(p.weight, 2) + " = +" + num(p.contribution, 2)));
      });
      box.appendChild(ul);
    }
    var sim = (det.similar || [])[0];
    if (sim) {
      var p = el("p", "fit-similar", t("fit_most_like") + " ");
      p.appendChild(link("/org/" + encodeURIComponent(sim.orgnr), sim.name || sim.orgnr));
      p.appendChild(document.createTextNode(" (" + (sim.reason_texts || []).join(", ") + ")"));
      box.appendChild(p);
    }
    var chain = (det.chains || [])[0];
    if (chain && chain.length) {
      var c = el("p", "fit-chain", t("fit_chain") + " ");
      c.appendChild(link("/org/" + encodeURIComponent(chain[0].from), chain[0].from_name || chain[0].from));
      chain.forEach(function (st) {
        c.appendChild(document.createTextNode(" — "));
        var who = st.person_label || st.person;
        if (st.person_key) c.appendChild(link("/person/" + encodeURIComponent(st.person_key), who, "person"));
        else c.appendChild(el("span", "person", who));
        c.appendChild(document.createTextNode(" — "));
        c.appendChild(link("/org/" + encodeURIComponent(st.to), st.to_name || st.to));
      });
      box.appendChild(c);
    }
    return box;
  }

  function load(panel, url, key, render, notComputed, failed) {
    var body = panel.querySelector(".muted");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        var table = res[key] || {};
        if (!res.ok || table.status !== "ok") {
          body.replaceWith(el("p", "note", (table && table.note) || res.error || t(notComputed)));
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
      .catch(function () { body.textContent = t(failed); });
  }

  // Cluster fit on the organisation profile: loaded after the page, since it is computed on demand.
  var fit = document.getElementById("cluster-fit");
  if (fit && fit.dataset.fitUrl) {
    load(fit, fit.dataset.fitUrl, "cluster_fit", function (r) {
      var li = el("li");
      li.appendChild(link("/cluster/" + encodeURIComponent(r.cluster_id), r.name || r.cluster_id, "strong"));
      if (typeof r.score === "number") li.appendChild(el("span", "count", t("fit_score", { score: num(r.score, 2) })));
      if (r.member) li.appendChild(el("span", "badge badge-on", t("member")));
      if (r.candidate_rank) li.appendChild(el("span", "muted small fit-rank",
        t(r.member ? "fit_would_rank" : "fit_rank", { rank: r.candidate_rank, total: num(r.candidates, 0) })));
      return li;
    }, "fit_not", "fit_failed");
  }

  // Candidate firms on the cluster page.
  var cand = document.getElementById("candidate-firms");
  if (cand && cand.dataset.candidatesUrl) {
    load(cand, cand.dataset.candidatesUrl, "candidates", function (r) {
      var li = el("li");
      li.appendChild(link("/org/" + encodeURIComponent(r.orgnr), r.name || r.orgnr, "strong"));
      if (r.place) li.appendChild(el("span", "muted small", " " + r.place));
      if (typeof r.score === "number") li.appendChild(el("span", "count", t("fit_score", { score: num(r.score, 2) })));
      return li;
    }, "candidates_not", "candidates_failed");
  }
})();
