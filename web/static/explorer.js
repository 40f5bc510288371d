// Klynge ego-network explorer and path graph (Cytoscape.js + fcose).
// Data from the server is only ever written into the page with textContent.
(function () {
  "use strict";

  if (window.cytoscape && window.cytoscapeFcose) window.cytoscape.use(window.cytoscapeFcose);

  var HELIX = { industry: "#2563eb", academia: "#9333ea", government: "#059669", intermediary: "#d97706", other: "#64748b" };
  var PERSON = "#334155";
  var UNKNOWN = "#94a3b8";
  var el = window.klyngeEl;
  var t = window.klyngeT || function (k) { return k; };
  var ADVISORY = { REVI: true, REGN: true };
  var measureTitles = {};
  (function () {
    var holder = document.getElementById("measure-titles");
    if (!holder) return;
    try { JSON.parse(holder.textContent).forEach(function (m) { measureTitles[m.name] = m.title; }); } catch (e) { /* none */ }
  })();

  function roleName(code) { return code ? t("role_" + code) : ""; }

  function download(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function xml(s) {
    return String(s === null || s === undefined ? "" : s)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
  }

  function csvCell(v) {
    var s = v === null || v === undefined ? "" : (typeof v === "object" ? JSON.stringify(v) : String(v));
    // keep spreadsheet formulas inert
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function colourFor(d) {
    if (d.kind === "person") return PERSON;
    if (d.kind === "more") return "#ffffff";
    return HELIX[d.helix] || UNKNOWN;
  }

  function style() {
    return [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(label)", "width": "data(size)", "height": "data(size)",
        "font-size": 10, "color": "#1f2937", "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis",
        "text-max-width": 130, "border-width": 1, "border-color": "#ffffff", "min-zoomed-font-size": 7 } },
      { selector: "node[kind = 'organization']", style: { "shape": "round-rectangle" } },
      { selector: "node[kind = 'person']", style: { "shape": "ellipse" } },
      { selector: "node[?root]", style: { "border-width": 4, "border-color": "#0f1b2d", "font-weight": "bold", "font-size": 12 } },
      { selector: "node[?inactive]", style: { "background-opacity": 0.45 } },
      { selector: "node[kind = 'more']", style: {
        "shape": "round-rectangle", "background-color": "#ffffff", "border-width": 1, "border-style": "dashed",
        "border-color": "#64748b", "label": "data(label)", "text-valign": "center", "text-margin-y": 0,
        "width": 54, "height": 20, "font-size": 10, "color": "#334155" } },
      { selector: "edge", style: {
        "width": 1.4, "line-color": "#a3adbb", "curve-style": "bezier", "target-arrow-shape": "none", "opacity": 0.9 } },
      { selector: "edge[type = 'INTERLOCK']", style: { "line-color": "#7c8db0", "width": "mapData(weight, 1, 5, 2, 6)" } },
      { selector: "edge[?inactive]", style: { "line-style": "dashed", "opacity": 0.6 } },
      { selector: "edge[kind = 'more']", style: { "line-style": "dotted", "line-color": "#cbd5e1" } },
      { selector: "edge[role = 'DAGL']", style: { "line-color": "#0f6ccf", "width": 2.2 } },
      { selector: "edge[?advisory]", style: { "line-style": "dotted", "line-color": "#b45309", "width": 1.2, "opacity": 0.75 } },
      { selector: "node.nolabel", style: { "text-opacity": 0 } },
      { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0.1 } },
      { selector: ".hl", style: { "border-color": "#f59e0b", "border-width": 3 } },
      { selector: "node:selected", style: { "border-color": "#f59e0b", "border-width": 4 } }
    ];
  }

  function nodeElement(n, rootKey) {
    return { group: "nodes", data: {
      id: n.key, key: n.key, kind: n.kind, label: n.label, helix: n.helix || null, depth: n.depth,
      more: n.more || 0, root: n.key === rootKey, inactive: n.active === false, active: n.active,
      measures: n.measures || {}, degree_shown: n.degree_shown || 0, degree_total: n.degree_total || 0,
      expanded: !!n.expanded, colour: colourFor(n), size: n.kind === "person" ? 18 : 26 } };
  }

  function edgeElement(e) {
    return { group: "edges", data: {
      id: e.id, source: e.source, target: e.target, type: e.type, role: e.role || null,
      role_group: e.role_group || null, weight: e.weight || 1, inactive: e.active === false, active: e.active,
      advisory: !!(ADVISORY[e.role_group] || ADVISORY[e.role]) } };
  }

  function moreElements(n) {
    if (!n.more) return [];
    var id = "more:" + n.key;
    return [
      { group: "nodes", data: { id: id, kind: "more", parent_key: n.key, label: "+" + n.more + " " + t("more"), more: n.more,
                                colour: "#ffffff", size: 20 } },
      { group: "edges", data: { id: id + ":edge", source: n.key, target: id, kind: "more" } }
    ];
  }

  // ------------------------------------------------------------------ explorer

  function Explorer(root) {
    this.root = root;
    this.orgnr = root.dataset.orgnr;
    this.url = root.dataset.networkUrl;
    this.personsVisible = root.dataset.personsVisible === "true";
    this.form = document.getElementById("network-form");
    this.status = document.getElementById("graph-status");
    this.side = document.getElementById("side");
    this.legend = document.getElementById("legend");
    this.measure = "";
    this.layoutName = "fcose";
    this.cy = cytoscape({ container: document.getElementById("cy"), style: style(), wheelSensitivity: 0.3,
                          minZoom: 0.1, maxZoom: 4 });
    window.klyngeExplorer = this;
    this.bind();
    this.readUrl();
    this.load();
  }

  Explorer.prototype.params = function () {
    var fd = new FormData(this.form);
    var p = new URLSearchParams();
    p.set("depth", fd.get("depth") || "1");
    p.set("cap", fd.get("cap") || "25");
    var kinds = fd.getAll("kinds");
    p.set("kinds", (kinds.length ? kinds : ["person", "organization"]).join(","));
    var roles = fd.get("roles") || "STYR,DAGL";
    if (roles !== "all" && fd.get("advisory")) roles += "," + fd.get("advisory");
    p.set("roles", roles);
    p.set("active", fd.get("active") ? "true" : "false");
    var helix = fd.getAll("helix");
    if (helix.length && helix.length < 5) p.set("helix", helix.join(","));
    return p;
  };

  Explorer.prototype.readUrl = function () {
    var q = new URLSearchParams(window.location.search);
    var f = this.form;
    if (q.get("roles")) {
      var parts = q.get("roles").split(","), core = parts.filter(function (r) { return !ADVISORY[r]; });
      var pick = parts.indexOf("all") >= 0 ? "all" : (core.join(",") || "STYR,DAGL");
      if (Array.prototype.some.call(f.elements.roles.options, function (o) { return o.value === pick; })) f.elements.roles.value = pick;
      f.elements.advisory.checked = parts.indexOf("all") >= 0 || parts.some(function (r) { return ADVISORY[r]; });
    }
    if (q.get("measure")) { f.elements.measure.value = q.get("measure"); this.measure = q.get("measure"); }
    if (q.get("layout")) { f.elements.layout.value = q.get("layout"); this.layoutName = q.get("layout"); }
  };

  Explorer.prototype.bind = function () {
    var self = this;
    this.form.addEventListener("submit", function (ev) { ev.preventDefault(); self.load(); });
    document.getElementById("measure-select").addEventListener("change", function (ev) {
      self.measure = ev.target.value; self.restyle(); self.remember();
    });
    document.getElementById("layout-select").addEventListener("change", function (ev) {
      self.layoutName = ev.target.value; self.layout(); self.remember();
    });
    document.getElementById("fit").addEventListener("click", function () { self.fit(); });
    var drawer = document.getElementById("drawer-toggle");
    if (drawer) drawer.addEventListener("click", function () {
      var open = !self.root.classList.contains("drawer-open");
      self.root.classList.toggle("drawer-open", open);
      drawer.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var labelTimer = null;
    this.cy.on("zoom pan resize", function () {
      clearTimeout(labelTimer);
      labelTimer = setTimeout(function () { self.labels(); }, 60);
    });
    document.getElementById("collapse-all").addEventListener("click", function () { self.load(); });
    document.getElementById("export-png").addEventListener("click", function () { self.exportPng(); });
    document.getElementById("export-graphml").addEventListener("click", function () { self.exportGraphml(); });
    document.getElementById("export-csv").addEventListener("click", function () { self.exportCsv(); });
    document.getElementById("export-json").addEventListener("click", function () { self.exportJson(); });
    this.cy.on("tap", "node", function (ev) { self.select(ev.target); });
    this.cy.on("dbltap", "node", function (ev) {
      var n = ev.target;
      if (n.data("kind") !== "more") self.expand(n);
    });
    this.cy.on("tap", function (ev) { if (ev.target === self.cy) self.clearHighlight(); });
    this.cy.on("mouseover", "node", function (ev) { self.highlight(ev.target); });
    this.cy.on("mouseout", "node", function () { if (!self.cy.$("node:selected").length) self.clearHighlight(); });
  };

  Explorer.prototype.remember = function () {
    var p = this.params();
    if (this.measure) p.set("measure", this.measure);
    if (this.layoutName !== "fcose") p.set("layout", this.layoutName);
    history.replaceState(null, "", window.location.pathname + "?" + p.toString());
  };

  Explorer.prototype.setStatus = function (text) { this.status.textContent = text; };

  Explorer.prototype.load = function () {
    var self = this;
    var p = this.params();
    this.remember();
    this.setStatus(t("loading"));
    return fetch(this.url + "?" + p.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { self.setStatus(res.body.error || t("could_not_load")); return; }
        var els = [];
        res.body.nodes.forEach(function (n) { els.push(nodeElement(n, self.orgnr)); els = els.concat(moreElements(n)); });
        res.body.edges.forEach(function (e) { els.push(edgeElement(e)); });
        self.cy.elements().remove();
        self.cy.add(els);
        self.truncated = res.body.truncated;
        self.restyle();
        self.layout();
        self.nodeList();
      })
      .catch(function (err) { self.setStatus(t("could_not_load") + ": " + err); });
  };

  Explorer.prototype.updateStatus = function () {
    var real = this.cy.nodes("[kind != 'more']");
    var hidden = 0;
    this.cy.nodes("[kind = 'more']").forEach(function (n) { hidden += n.data("more"); });
    var text = real.length + " " + t("nodes") + " · " + this.cy.edges("[kind != 'more']").length + " " + t("ties");
    if (hidden) text += " · " + hidden + " " + t("more_not_shown");
    if (this.truncated) text += " · " + t("node_limit");
    this.setStatus(text);
  };

  Explorer.prototype.layout = function () {
    var n = this.cy.nodes().length;
    var opts;
    if (this.layoutName === "concentric") {
      opts = { name: "concentric", concentric: function (node) { return 10 - (node.data("depth") || 0); },
               levelWidth: function () { return 1; }, minNodeSpacing: 18, animate: false };
    } else {
      opts = { name: "fcose", quality: n > 600 ? "draft" : "default", randomize: true, animate: false,
               nodeRepulsion: 9000, idealEdgeLength: 80, nodeSeparation: 75, packComponents: true };
    }
    this.cy.layout(opts).run();
    this.fit();
    this.updateStatus();
    this.labels();
  };

  // Labels at a readable size whatever the zoom, and none drawn over another: nodes nearer the ego and with
  // more ties keep theirs, the others show theirs on hover or when zoomed in far enough to have room.
  Explorer.prototype.labels = function () {
    var cy = this.cy;
    var zoom = cy.zoom();
    var font = Math.max(10, Math.min(30, 11 / zoom));
    cy.style().selector("node[kind != 'more']").style("font-size", font).update();
    var nodes = cy.nodes("[kind != 'more']").sort(function (a, b) {
      return (a.data("depth") - b.data("depth")) || (b.degree() - a.degree()) ||
        String(a.data("label")).localeCompare(String(b.data("label")));
    });
    var placed = [];
    var w = cy.width(), h = cy.height();
    nodes.forEach(function (n) {
      var p = n.renderedPosition();
      var size = n.renderedHeight();
      var text = String(n.data("label") || "");
      var lw = Math.min(130, text.length * 6.2) + 4, lh = 15;
      var box = { x1: p.x - lw / 2, x2: p.x + lw / 2, y1: p.y + size / 2, y2: p.y + size / 2 + lh };
      var visible = box.x2 > 0 && box.x1 < w && box.y2 > 0 && box.y1 < h;
      var clash = visible && placed.some(function (b) { return box.x1 < b.x2 && box.x2 > b.x1 && box.y1 < b.y2 && box.y2 > b.y1; });
      if (clash && !n.data("root")) { n.addClass("nolabel"); return; }
      n.removeClass("nolabel");
      if (visible) placed.push(box);
    });
  };

  Explorer.prototype.fit = function () {
    this.cy.fit(undefined, 40);
    if (this.cy.zoom() > 1.4) { this.cy.zoom(1.4); this.cy.center(); }
  };

  Explorer.prototype.measureValue = function (node) {
    if (!this.measure) return null;
    if (this.measure === "degree_shown") return node.data("degree_shown") || node.connectedEdges("[kind != 'more']").length;
    var m = node.data("measures") || {};
    return typeof m[this.measure] === "number" ? m[this.measure] : null;
  };

  Explorer.prototype.restyle = function () {
    var self = this;
    var nodes = this.cy.nodes("[kind != 'more']");
    if (!this.measure) {
      nodes.forEach(function (n) {
        n.data("colour", colourFor(n.data()));
        n.data("size", n.data("kind") === "person" ? 18 : (n.data("root") ? 40 : 26));
      });
      this.legendCategories();
      return;
    }
    var values = [];
    nodes.forEach(function (n) { var v = self.measureValue(n); if (v !== null) values.push(v); });
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    nodes.forEach(function (n) {
      var v = self.measureValue(n);
      if (v === null) { n.data("colour", "#e2e8f0"); n.data("size", 14); return; }
      var t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      var r = Math.round(199 + (30 - 199) * t), g = Math.round(210 + (58 - 210) * t), b = Math.round(254 + (138 - 254) * t);
      n.data("colour", "rgb(" + r + "," + g + "," + b + ")");
      n.data("size", 16 + 40 * t);
    });
    this.legendRamp(values.length ? lo : null, values.length ? hi : null, nodes.length - values.length);
  };

  Explorer.prototype.legendCategories = function () {
    var self = this;
    var counts = {};
    this.cy.nodes("[kind != 'more']").forEach(function (n) {
      var k = n.data("kind") === "person" ? "person" : (n.data("helix") || "unknown");
      counts[k] = (counts[k] || 0) + 1;
    });
    this.legend.replaceChildren(el("strong", null, t("colour_sector")));
    var ul = el("ul");
    Object.keys(counts).sort().forEach(function (k) {
      var li = el("li");
      var dot = el("span", "dot");
      dot.style.background = k === "person" ? PERSON : (HELIX[k] || UNKNOWN);
      li.appendChild(dot);
      li.appendChild(el("span", null, t(k === "person" ? "kind_person" : k) + " (" + counts[k] + ")"));
      li.title = t("select_these");
      li.addEventListener("click", function () {
        self.cy.$(":selected").unselect();
        var sel = k === "person" ? self.cy.nodes("[kind = 'person']") :
          self.cy.nodes("[kind = 'organization']").filter(function (n) { return (n.data("helix") || "unknown") === k; });
        sel.select();
      });
      ul.appendChild(li);
    });
    this.legend.appendChild(ul);
    this.legend.appendChild(el("div", "muted small", t("dashed")));
    if (this.cy.edges("[?advisory]").length) this.legend.appendChild(el("div", "muted small", t("advisory")));
  };

  Explorer.prototype.legendRamp = function (lo, hi, missing) {
    var opt = document.getElementById("measure-select");
    var title = opt.options[opt.selectedIndex].textContent;
    this.legend.replaceChildren(el("strong", null, t("size_colour") + ": " + title));
    if (lo === null) {
      this.legend.appendChild(el("div", "muted small", t("not_computed")));
      return;
    }
    this.legend.appendChild(el("div", "ramp"));
    var row = el("div", "small");
    row.appendChild(el("span", null, t("low") + " " + window.klyngeNumber(lo, 3)));
    row.appendChild(el("span", null, " → " + t("high") + " " + window.klyngeNumber(hi, 3)));
    this.legend.appendChild(row);
    if (missing) this.legend.appendChild(el("div", "muted small", missing + " " + t("without_value")));
  };

  Explorer.prototype.highlight = function (node) {
    var hood = node.closedNeighborhood();
    this.cy.elements().addClass("faded");
    hood.removeClass("faded");
    hood.nodes().removeClass("nolabel");
  };

  Explorer.prototype.clearHighlight = function () {
    this.cy.elements().removeClass("faded");
    this.labels();
  };

  Explorer.prototype.select = function (node) {
    var self = this;
    if (node.data("kind") === "more") { this.showMore(node); return; }
    this.cy.$(":selected").unselect();
    node.select();
    this.highlight(node);
    var d = node.data();
    var side = this.side;
    side.replaceChildren();
    side.appendChild(el("p", "eyebrow", d.kind === "person" ? t("person") : t("organisation")));
    side.appendChild(el("h2", "side-title", d.label));
    var dl = el("dl", "side-facts");
    function fact(k, v) { if (v === null || v === undefined || v === "") return; dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); }
    if (d.kind === "organization") { fact(t("orgnr"), d.key); fact(t("sector"), d.helix ? t(d.helix) : null); fact(t("active"), d.active === false ? t("no") : t("yes")); }
    fact(t("hops"), d.depth);
    // one count of ties, the same as drawn; and how many the register holds under these filters
    var drawn = node.connectedEdges("[kind != 'more']").length;
    fact(t("ties_shown"), drawn);
    if (d.degree_total && d.degree_total !== drawn) fact(t("ties_total"), d.degree_total);
    if (d.more) fact(t("not_shown"), d.more);
    side.appendChild(dl);
    var m = d.measures || {};
    var keys = Object.keys(m);
    if (keys.length) {
      side.appendChild(el("p", "eyebrow", t("measures_heading")));
      var ml = el("dl", "side-facts");
      keys.forEach(function (k) {
        ml.appendChild(el("dt", null, measureTitles[k] || k.replace(/_/g, " ")));
        ml.appendChild(el("dd", null, window.klyngeNumber(Number(m[k]), 3)));
      });
      side.appendChild(ml);
    }
    var roles = el("ul", "list small");
    var ties = node.connectedEdges("[kind != 'more']");
    ties.slice(0, 30).forEach(function (e) {
      var other = e.source().id() === node.id() ? e.target() : e.source();
      var text = (e.data("role") ? roleName(e.data("role")) : t("ties_heading")) + " — " + other.data("label");
      if (e.data("inactive")) text += " (" + t("former") + ")";
      roles.appendChild(el("li", null, text));
    });
    if (ties.length > 30) roles.appendChild(el("li", "muted", t("and_more", { n: ties.length - 30 })));
    if (roles.childNodes.length) { side.appendChild(el("p", "eyebrow", t("ties_heading"))); side.appendChild(roles); }
    var actions = el("div", "side-actions");
    if (d.kind === "organization" || this.personsVisible) {
      var open = el("a", "button primary", t("open_profile"));
      open.href = d.kind === "organization" ? "/org/" + encodeURIComponent(d.key) : "/person/" + encodeURIComponent(d.key);
      open.id = "open-profile";
      actions.appendChild(open);
    }
    var exp = el("button", "button", d.expanded ? t("expand_again") : t("expand"));
    exp.type = "button"; exp.id = "expand-node";
    exp.addEventListener("click", function () { self.expand(node); });
    actions.appendChild(exp);
    var col = el("button", "button", t("collapse"));
    col.type = "button"; col.id = "collapse-node";
    col.addEventListener("click", function () { self.collapse(node); });
    actions.appendChild(col);
    if (d.kind === "organization" && !d.root) {
      var ego = el("a", "button", t("make_ego"));
      ego.href = "/org/" + encodeURIComponent(d.key) + "/explore";
      actions.appendChild(ego);
      var path = el("a", "button", t("path_from_ego"));
      path.href = "/path?from=" + encodeURIComponent(this.orgnr) + "&to=" + encodeURIComponent(d.key);
      actions.appendChild(path);
    }
    side.appendChild(actions);
    var back = el("button", "button small", t("all_nodes"));
    back.type = "button";
    back.style.marginTop = "1rem";
    back.addEventListener("click", function () { self.cy.$(":selected").unselect(); self.clearHighlight(); self.nodeList(); });
    side.appendChild(back);
  };

  Explorer.prototype.nodeList = function () {
    var self = this;
    var side = this.side;
    side.replaceChildren();
    side.appendChild(el("p", "eyebrow", t("shown")));
    side.appendChild(el("p", "muted small", t("click_hint")));
    var ul = el("ul", "node-list list small");
    ul.id = "node-list";
    this.cy.nodes("[kind != 'more']").sort(function (a, b) {
      return (a.data("depth") - b.data("depth")) || String(a.data("label")).localeCompare(String(b.data("label")));
    }).forEach(function (n) {
      var li = el("li");
      var a = el("a", null, n.data("label"));
      a.href = "#";
      a.dataset.key = n.id();
      a.dataset.kind = n.data("kind");
      a.addEventListener("click", function (ev) { ev.preventDefault(); self.select(n); });
      li.appendChild(a);
      if (n.data("more")) li.appendChild(el("span", "muted", " +" + n.data("more") + " " + t("more")));
      ul.appendChild(li);
    });
    side.appendChild(ul);
  };

  Explorer.prototype.expandParams = function (key, kind, cap) {
    var p = this.params();
    p.delete("depth");
    p.set("key", key);
    p.set("kind", kind);
    if (cap) p.set("cap", String(cap));
    return p;
  };

  Explorer.prototype.expand = function (node, cap) {
    var self = this;
    var p = this.expandParams(node.id(), node.data("kind"), cap);
    this.setStatus(t("expanding") + " " + node.data("label") + "…");
    return fetch("/network/expand.json?" + p.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.ok) { self.setStatus(body.error || t("could_not_expand")); return; }
        var depth = (node.data("depth") || 0) + 1;
        var nodes = [], edges = [];
        body.nodes.forEach(function (n) {
          if (n.key === node.id()) {
            node.data("more", n.more || 0);
            node.data("expanded", true);
            node.data("degree_total", n.degree_total || 0);
            self.cy.remove(self.cy.getElementById("more:" + n.key));
            moreElements(n).forEach(function (x) { (x.group === "nodes" ? nodes : edges).push(x); });
            return;
          }
          if (self.cy.getElementById(n.key).length) return;
          var ne = nodeElement(n, self.orgnr);
          ne.data.depth = depth;
          ne.data.added_by = node.id();
          nodes.push(ne);
        });
        body.edges.forEach(function (e) {
          if (!self.cy.getElementById(e.id).length) edges.push(edgeElement(e));
        });
        self.place(node, nodes);
        self.cy.add(nodes.concat(edges));
        self.restyle();
        self.updateStatus();
        self.labels();
        self.select(node);
      })
      .catch(function (err) { self.setStatus(t("could_not_expand") + ": " + err); });
  };

  // Incremental layout: the nodes already drawn keep their places; the new ones go on rings around the
  // expanded node, on the side facing away from the rest of the drawing, a ring holding one node per ~46 px.
  Explorer.prototype.place = function (node, newNodes) {
    if (!newNodes.length) return;
    var c = node.position();
    var others = this.cy.nodes("[kind != 'more']").not(node);
    var mx = 0, my = 0;
    others.forEach(function (n) { mx += n.position("x"); my += n.position("y"); });
    var full = others.length === 0;
    var away = full ? 0 : Math.atan2(c.y - my / others.length, c.x - mx / others.length);
    var spread = full ? Math.PI * 2 : Math.PI * 1.4;
    var radius = 110, placed = 0, ring = 0;
    while (placed < newNodes.length) {
      var capacity = Math.max(6, Math.floor(spread * radius / 46));
      var k = Math.min(capacity, newNodes.length - placed);
      for (var i = 0; i < k; i++) {
        var f = full ? (i + 0.5 * (ring % 2)) / k : (k === 1 ? 0.5 : i / (k - 1));
        var a = away - spread / 2 + spread * f;
        newNodes[placed + i].position = { x: c.x + radius * Math.cos(a), y: c.y + radius * Math.sin(a) };
      }
      placed += k;
      ring += 1;
      radius += 70;
    }
  };

  Explorer.prototype.showMore = function (moreNode) {
    var parent = this.cy.getElementById(moreNode.data("parent_key"));
    if (!parent.length) return;
    var shown = parent.connectedEdges("[kind != 'more']").length;
    var cap = Math.min(500, shown + moreNode.data("more"));
    this.expand(parent, cap);
  };

  Explorer.prototype.collapse = function (node) {
    var self = this;
    if (node.data("root")) { this.load(); return; }
    var removed = 0;
    node.neighborhood("node").forEach(function (n) {
      if (n.data("root") || n.data("kind") === "more") return;
      if (n.data("added_by") !== node.id() && (n.data("depth") || 0) <= (node.data("depth") || 0)) return;
      var others = n.neighborhood("node").filter(function (x) { return x.id() !== node.id() && x.data("kind") !== "more"; });
      if (others.length === 0) {
        self.cy.remove(self.cy.getElementById("more:" + n.id()));
        self.cy.remove(n);
        removed += 1;
      }
    });
    this.cy.remove(this.cy.getElementById("more:" + node.id()));
    node.data("expanded", false);
    this.restyle();
    this.updateStatus();
    this.setStatus(this.status.textContent + " · " + t("collapsed") + " " + removed);
  };

  Explorer.prototype.shown = function () {
    var nodes = this.cy.nodes("[kind != 'more']").map(function (n) {
      var d = n.data();
      return { key: d.key, kind: d.kind, label: d.label, helix: d.helix, active: d.active, depth: d.depth,
               more: d.more, measures: d.measures, x: Math.round(n.position("x")), y: Math.round(n.position("y")) };
    });
    var edges = this.cy.edges("[kind != 'more']").map(function (e) {
      var d = e.data();
      return { id: d.id, source: d.source, target: d.target, type: d.type, role: d.role, active: d.active, weight: d.weight,
               advisory: d.advisory };
    });
    return { nodes: nodes, edges: edges };
  };

  Explorer.prototype.fileBase = function () { return "klynge-" + this.orgnr + "-network"; };

  // What is shown, without the hover fade and selection marks of the moment, every label drawn.
  Explorer.prototype.exportPng = function () {
    var cy = this.cy;
    var faded = cy.elements(".faded"), hidden = cy.nodes(".nolabel"), selected = cy.$(":selected");
    faded.removeClass("faded"); hidden.removeClass("nolabel"); selected.unselect();
    var blob;
    try { blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }); }
    finally { faded.addClass("faded"); hidden.addClass("nolabel"); selected.select(); }
    download(this.fileBase() + ".png", blob);
  };

  Explorer.prototype.exportJson = function () {
    var data = this.shown();
    data.ego = this.orgnr;
    data.params = Object.fromEntries(this.params());
    download(this.fileBase() + ".json", new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  };

  Explorer.prototype.exportCsv = function () {
    var data = this.shown();
    var keys = {};
    data.nodes.forEach(function (n) { Object.keys(n.measures || {}).forEach(function (k) { keys[k] = true; }); });
    var mk = Object.keys(keys).sort();
    var rows = [["key", "kind", "label", "helix", "active", "depth", "more_not_shown"].concat(mk)];
    data.nodes.forEach(function (n) {
      rows.push([n.key, n.kind, n.label, n.helix, n.active, n.depth, n.more].concat(mk.map(function (k) { return (n.measures || {})[k]; })));
    });
    var nodesCsv = rows.map(function (r) { return r.map(csvCell).join(","); }).join("\n") + "\n";
    var erows = [["source", "target", "type", "role", "active", "weight"]];
    data.edges.forEach(function (e) { erows.push([e.source, e.target, e.type, e.role, e.active, e.weight]); });
    var edgesCsv = erows.map(function (r) { return r.map(csvCell).join(","); }).join("\n") + "\n";
    download(this.fileBase() + "-nodes.csv", new Blob([nodesCsv], { type: "text/csv" }));
    download(this.fileBase() + "-edges.csv", new Blob([edgesCsv], { type: "text/csv" }));
  };

  // GraphML with every node's measures (one double attribute per measure, named as in the measures run)
  // and each tie's role, its role name and whether it is an auditor/accountant tie.
  Explorer.prototype.exportGraphml = function () {
    var data = this.shown();
    var mk = {};
    data.nodes.forEach(function (n) { Object.keys(n.measures || {}).forEach(function (k) { mk[k] = true; }); });
    var measures = Object.keys(mk).sort();
    var out = ['<?xml version="1.0" encoding="UTF-8"?>',
      '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
      '  <key id="kind" for="node" attr.name="kind" attr.type="string"/>',
      '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
      '  <key id="helix" for="node" attr.name="helix" attr.type="string"/>',
      '  <key id="depth" for="node" attr.name="depth" attr.type="int"/>',
      '  <key id="x" for="node" attr.name="x" attr.type="double"/>',
      '  <key id="y" for="node" attr.name="y" attr.type="double"/>'];
    measures.forEach(function (m) {
      out.push('  <key id="m_' + xml(m) + '" for="node" attr.name="' + xml(m) + '" attr.type="double"/>');
    });
    out.push('  <key id="type" for="edge" attr.name="type" attr.type="string"/>',
      '  <key id="role" for="edge" attr.name="role" attr.type="string"/>',
      '  <key id="role_name" for="edge" attr.name="role_name" attr.type="string"/>',
      '  <key id="advisory" for="edge" attr.name="advisory" attr.type="boolean"/>',
      '  <key id="active" for="edge" attr.name="active" attr.type="boolean"/>',
      '  <graph id="' + xml(this.orgnr) + '" edgedefault="directed">');
    data.nodes.forEach(function (n) {
      var line = '    <node id="' + xml(n.key) + '"><data key="kind">' + xml(n.kind) + '</data><data key="label">' + xml(n.label) +
                 '</data><data key="helix">' + xml(n.helix) + '</data><data key="depth">' + xml(n.depth) +
                 '</data><data key="x">' + n.x + '</data><data key="y">' + n.y + "</data>";
      measures.forEach(function (m) {
        var v = (n.measures || {})[m];
        if (typeof v === "number" && isFinite(v)) line += '<data key="m_' + xml(m) + '">' + v + "</data>";
      });
      out.push(line + "</node>");
    });
    data.edges.forEach(function (e) {
      out.push('    <edge id="' + xml(e.id) + '" source="' + xml(e.source) + '" target="' + xml(e.target) + '"><data key="type">' +
               xml(e.type) + '</data><data key="role">' + xml(e.role) + '</data><data key="role_name">' + xml(e.role ? roleName(e.role) : "") +
               '</data><data key="advisory">' + (e.advisory ? "true" : "false") + '</data><data key="active">' +
               (e.active === false ? "false" : "true") + "</data></edge>");
    });
    out.push("  </graph>", "</graphml>");
    download(this.fileBase() + ".graphml", new Blob([out.join("\n") + "\n"], { type: "application/graphml+xml" }));
  };

  // ------------------------------------------------------------------ path graph

  function PathGraph(container) {
    var self = this;
    this.cy = cytoscape({ container: container, style: style(), wheelSensitivity: 0.3 });
    window.klyngePath = this;
    fetch(container.dataset.pathUrl, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (!body.ok) return;
        var els = [];
        body.nodes.forEach(function (n) { var e = nodeElement(n, body.from); e.data.root = n.key === body.from || n.key === body.to; els.push(e); });
        body.edges.forEach(function (e) { els.push(edgeElement(e)); });
        self.cy.add(els);
        self.cy.nodes().forEach(function (n) { n.data("size", n.data("root") ? 34 : (n.data("kind") === "person" ? 20 : 26)); });
        self.cy.layout({ name: "breadthfirst", roots: self.cy.getElementById(body.from), directed: false, spacingFactor: 1.1,
                         animate: false }).run();
        self.cy.fit(undefined, 30);
        if (self.cy.zoom() > 1.4) { self.cy.zoom(1.4); self.cy.center(); }
        self.cy.on("tap", "node[kind = 'organization']", function (ev) { window.location.assign("/org/" + encodeURIComponent(ev.target.id())); });
        container.dataset.ready = "true";
      });
    var btn = document.getElementById("export-path-png");
    if (btn) btn.addEventListener("click", function () {
      download("klynge-path.png", self.cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }));
    });
  }

  var explorerRoot = document.getElementById("explorer");
  if (explorerRoot) new Explorer(explorerRoot);
  var pathRoot = document.getElementById("path-cy");
  if (pathRoot) new PathGraph(pathRoot);
})();
