// spoor's forum pages: the author graph (cytoscape) and an author's
// portrait charts (ECharts), drawn from the JSON API. Handles and post
// text are hostile: labels are drawn on a canvas, tooltips and panels
// get text only (escaped or textContent), never HTML. Each chart has a
// server-rendered table beside it for readers without scripts.
(function () {
  "use strict";

  // charts.js (loaded before this file) lends its loader and escaping.
  var lib = window.spoorLib, load = lib.load, getJSON = lib.getJSON, esc = lib.esc;

  var palette = ["#1f5fa8", "#b3261e", "#2e7d32", "#8e24aa", "#ef6c00", "#00838f", "#6d4c41", "#c2185b", "#546e7a", "#9e9d24"];
  function colour(c) { return palette[c % palette.length]; }

  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); }

  function forumGraph(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    var status = root.querySelector("#forum-graph-status");
    var limit = root.querySelector("#forum-graph-limit");
    var panel = root.querySelector("#forum-graph-panel");
    var tbody = root.querySelector("#forum-graph-table tbody");
    var cy;

    function draw(g) {
      var byID = {};
      g.nodes.forEach(function (n) { byID[n.id] = n; });
      var top = Math.max.apply(null, g.nodes.map(function (n) { return n.score; }).concat([0.001]));
      var wtop = Math.max.apply(null, g.edges.map(function (e) { return e.weight; }).concat([0.001]));
      var els = g.nodes.map(function (n) {
        return { data: { id: String(n.id), label: n.handle, size: 10 + 40 * n.score / top, color: colour(n.community), author: n.author_id } };
      }).concat(g.edges.map(function (e) {
        return { data: { id: e.source + "-" + e.target, source: String(e.source), target: String(e.target), width: 0.5 + 5 * e.weight / wtop } };
      }));
      if (cy) { cy.destroy(); }
      cy = window.cytoscape({
        container: root.querySelector("#forum-graph"),
        elements: els,
        minZoom: 0.1, maxZoom: 4,
        style: [
          { selector: "node", style: { label: "data(label)", width: "data(size)", height: "data(size)", "font-size": 9, "background-color": "data(color)", color: "#1d232a", "text-valign": "bottom" } },
          { selector: "edge", style: { width: "data(width)", "line-color": "#9fb4cc", "curve-style": "haystack", opacity: 0.6 } },
          { selector: ":selected", style: { "background-color": "#111", "line-color": "#b3261e" } }
        ],
        layout: { name: g.nodes.length > 400 ? "grid" : "cose", animate: false, randomize: false, numIter: 600 }
      });
      cy.on("tap", "node", function (e) {
        var n = byID[e.target.id()];
        if (n && n.author_id) { window.location.assign("/forums/" + encodeURIComponent(root.dataset.forum) + "/authors/" + encodeURIComponent(n.author_id)); }
      });
      cy.on("mouseover", "node", function (e) {
        var n = byID[e.target.id()];
        panel.replaceChildren();
        var h = document.createElement("h3");
        h.textContent = "#" + n.rank + " " + n.handle;
        var p = document.createElement("p");
        p.textContent = "score " + n.score.toFixed(3) + ", " + n.posts + " posts, community " + n.community;
        panel.appendChild(h); panel.appendChild(p);
      });
      window.spoorForumGraph = cy;
      status.textContent = g.nodes.length + " of " + g.authors + " authors, " + g.edges.length + " ties";
      var rows = g.edges.slice().sort(function (a, b) { return b.weight - a.weight; }).slice(0, 500).map(function (e) {
        var tr = document.createElement("tr");
        [byID[e.source].handle, byID[e.target].handle, e.weight.toFixed(3), e.replies, e.quotes, e.co.toFixed(3)].forEach(function (t) { cell(tr, t); });
        return tr;
      });
      tbody.replaceChildren.apply(tbody, rows);
    }

    function fetchGraph() {
      status.textContent = "loading…";
      return getJSON(root.dataset.api + "?limit=" + encodeURIComponent(limit.value)).then(draw).catch(function (err) { status.textContent = err.message; });
    }
    limit.addEventListener("change", fetchGraph);
    root.querySelector("#forum-graph-tools").addEventListener("submit", function (e) { e.preventDefault(); });
    load(root.dataset.cytoscape).then(fetchGraph).catch(function (err) { status.textContent = err.message; });
  }

  var days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  function portrait(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var p = res[1], charts = [];
      var wd = window.echarts.init(root.querySelector("#chart-weekdays"));
      wd.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 12, bottom: 28 },
        tooltip: { trigger: "axis", formatter: function (ps) { return esc(ps[0].name + ": " + ps[0].value + " posts"); } },
        xAxis: { type: "category", data: days },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: p.time.weekday_counts, itemStyle: { color: "#1f5fa8" } }]
      });
      charts.push(wd);
      var hel = root.querySelector("#chart-portrait-hours");
      if (hel) {
        var data = [], topH = 1;
        for (var i = 0; i < 168; i++) { data.push([i % 24, Math.floor(i / 24), p.time.hour_of_week[i]]); topH = Math.max(topH, p.time.hour_of_week[i]); }
        var hc = window.echarts.init(hel);
        hc.setOption({
          animation: false,
          grid: { left: 48, right: 16, top: 8, bottom: 48 },
          tooltip: { formatter: function (q) { return esc(days[q.value[1]] + " " + q.value[0] + ":00 UTC — " + q.value[2] + " posts"); } },
          xAxis: { type: "category", data: Array.from({ length: 24 }, function (_, h) { return String(h).padStart(2, "0"); }) },
          yAxis: { type: "category", data: days, inverse: true },
          visualMap: { min: 0, max: topH, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80, inRange: { color: ["#ffffff", "#2a64ad"] } },
          series: [{ type: "heatmap", data: data }]
        });
        charts.push(hc);
      }
      var tel = root.querySelector("#chart-portrait-timeline");
      if (!p.time.months.length) { tel.textContent = "No dated posts."; } else {
        var tc = window.echarts.init(tel);
        tc.setOption({
          animation: false,
          grid: { left: 40, right: 16, top: 12, bottom: 28 },
          tooltip: { trigger: "axis", formatter: function (ps) { return esc(ps[0].name + ": " + ps[0].value + " posts"); } },
          xAxis: { type: "category", data: p.time.months.map(function (m) { return m.month; }) },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", data: p.time.months.map(function (m) { return m.n; }), itemStyle: { color: "#1f5fa8" } }]
        });
        charts.push(tc);
      }
      window.spoorPortraitCharts = charts;
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }).catch(function (err) {
      root.querySelectorAll(".chart").forEach(function (el) { el.textContent = "Chart unavailable: " + err.message + " (see the table below)."; });
    });
  }

  function start() {
    var g = document.getElementById("forum-graph-app");
    if (g) { forumGraph(g); }
    var p = document.getElementById("portrait-charts");
    if (p) { portrait(p); }
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
