// Klynge Cypher console: Ctrl+Enter runs, Table/Graph tabs, and the graph of a result (Cytoscape.js).
// The graph comes from the page's <script type="application/json" id="console-graph-data"> block (data,
// never executed); every text from it reaches the page through textContent or Cytoscape's canvas labels.
(function () {
  "use strict";

  var form = document.getElementById("console-form") || document.getElementById("library-form");
  var textarea = document.getElementById("console-query");
  if (form && textarea) {
    textarea.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        form.submit();
      }
    });
  }

  // The name-search helper: a chosen organisation's number goes into the query at the cursor, quoted.
  var finder = document.getElementById("console-find-org");
  if (finder && textarea) {
    finder.addEventListener("klynge:chosen", function (ev) {
      var text = "'" + ev.detail.key + "'";
      var at = textarea.selectionStart || textarea.value.length, end = textarea.selectionEnd || at;
      textarea.value = textarea.value.slice(0, at) + text + textarea.value.slice(end);
      textarea.focus();
      textarea.setSelectionRange(at + text.length, at + text.length);
      finder.value = "";
    });
  }

  var tabTable = document.getElementById("tab-table");
  var tabGraph = document.getElementById("tab-graph");
  var panelTable = document.getElementById("console-table-panel");
  var panelGraph = document.getElementById("console-graph-panel");
  var cy = null;

  var COLOURS = { Organization: "#2563eb", Person: "#334155", Cluster: "#d97706", Region: "#059669",
                  Municipality: "#10b981", County: "#047857", Grant: "#9333ea", Patent: "#db2777",
                  Industry: "#64748b", Accounts: "#a16207" };

  function colour(labels) {
    for (var i = 0; i < labels.length; i++) {
      if (COLOURS[labels[i]]) return COLOURS[labels[i]];
    }
    return "#94a3b8";
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = value === null || value === undefined ? "" : String(value);
    return node;
  }

  function showDetails(data) {
    var box = document.getElementById("console-node-details");
    if (!box) return;
    while (box.firstChild) box.removeChild(box.firstChild);
    box.appendChild(text("h3", data.caption || data.type || ""));
    if (data.labels) box.appendChild(text("p", ":" + data.labels.join(":"), "muted"));
    var dl = document.createElement("dl");
    var props = data.properties || {};
    Object.keys(props).forEach(function (k) {
      dl.appendChild(text("dt", k));
      var v = props[k];
      dl.appendChild(text("dd", typeof v === "object" && v !== null ? JSON.stringify(v) : v));
    });
    box.appendChild(dl);
  }

  function drawGraph() {
    if (cy || !window.cytoscape) return;
    var holder = document.getElementById("console-graph-data");
    var container = document.getElementById("console-cy");
    if (!holder || !container) return;
    var graph = JSON.parse(holder.textContent);
    if (window.cytoscapeFcose) window.cytoscape.use(window.cytoscapeFcose);
    var elements = [];
    graph.nodes.forEach(function (n) {
      elements.push({ group: "nodes", data: { id: n.id, caption: n.caption, labels: n.labels, properties: n.properties,
                                               colour: colour(n.labels || []) } });
    });
    graph.edges.forEach(function (e) {
      elements.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, type: e.type,
                                               caption: e.type, properties: e.properties } });
    });
    cy = window.cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", "label": "data(caption)", "font-size": 10,
          "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": 140,
          "width": 22, "height": 22, "border-width": 1, "border-color": "#ffffff" } },
        { selector: "edge", style: { "width": 1.4, "line-color": "#a3adbb", "curve-style": "bezier", "label": "data(type)",
          "font-size": 8, "color": "#64748b", "text-rotation": "autorotate" } },
        { selector: "node:selected", style: { "border-color": "#f59e0b", "border-width": 4 } }
      ],
      layout: { name: window.cytoscapeFcose ? "fcose" : "cose", animate: false }
    });
    cy.on("tap", "node, edge", function (ev) { showDetails(ev.target.data()); });
    // labels keep a readable size on screen whatever the zoom (the fitted view of a big result is far out)
    var readable = function () {
      var z = cy.zoom();
      cy.style().selector("node").style("font-size", Math.max(10, Math.min(36, 12 / z)))
        .selector("edge").style("font-size", Math.max(8, Math.min(28, 10 / z))).update();
    };
    cy.on("zoom", readable);
    readable();
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    window.klyngeConsoleCy = cy;
    container.dataset.ready = "true";
  }

  function select(which) {
    if (!panelTable) return;
    var graph = which === "graph";
    panelTable.hidden = graph;
    if (panelGraph) panelGraph.hidden = !graph;
    if (tabTable) tabTable.setAttribute("aria-selected", graph ? "false" : "true");
    if (tabGraph) tabGraph.setAttribute("aria-selected", graph ? "true" : "false");
    if (graph) {
      drawGraph();
      if (cy) {
        cy.resize();
        cy.fit(undefined, 20);
        if (cy.zoom() < 0.6 && cy.nodes().length > 1) { cy.zoom(0.6); cy.center(cy.nodes().first()); }
      }
    }
  }

  if (tabTable) tabTable.addEventListener("click", function () { select("table"); });
  if (tabGraph) tabGraph.addEventListener("click", function () { select("graph"); });
})();
