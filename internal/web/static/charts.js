// spoor's charts: the group page's analysis (ECharts) and the similarity
// graph (cytoscape), drawn from the JSON API. The libraries load on first
// need. Every text that comes from intelligence (group, software and
// country names) is escaped before it reaches a tooltip, and graph labels
// are drawn on a canvas, so hostile names stay inert. Each chart has a
// server-rendered table beside it for readers without scripts.
(function () {
  "use strict";

  var loading = {};
  function load(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (ok, fail) {
        var s = document.createElement("script");
        s.src = src;
        s.onload = ok;
        s.onerror = function () { fail(new Error("cannot load " + src)); };
        document.head.appendChild(s);
      });
    }
    return loading[src];
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error((body && body.error && body.error.message) || r.statusText); }
        return body;
      });
    });
  }

  var escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return escapes[c]; }); }

  // The helpers the other page scripts (forums.js) share; loaded first.
  window.spoorLib = { load: load, getJSON: getJSON, esc: esc };

  var days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

  function press(tools, attr, value) {
    tools.querySelectorAll("button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute(attr) === value));
    });
  }

  // Group page.
  function groupAnalysis(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var a = res[1];
      var charts = [hours(root, a), worldMap(root, a), timeline(root, a)];
      window.spoorCharts = charts;
      window.addEventListener("resize", function () { charts.forEach(function (c) { if (c) { c.resize(); } }); });
    }).catch(function (err) {
      root.querySelectorAll(".chart").forEach(function (el) { el.textContent = "Chart unavailable: " + err.message + " (see the table below)."; });
    });
  }

  function hourData(histogram) {
    var data = [];
    for (var i = 0; i < 168; i++) { data.push([i % 24, Math.floor(i / 24), histogram[i]]); }
    return data;
  }

  function hours(root, a) {
    var el = root.querySelector("#chart-hours");
    var chart = window.echarts.init(el);
    var top = Math.max.apply(null, a.local_hour_of_week.concat([1]));
    var hourNames = [];
    for (var h = 0; h < 24; h++) { hourNames.push(String(h).padStart(2, "0")); }
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 8, bottom: 48 },
      tooltip: { formatter: function (p) { return esc(days[p.value[1]] + " " + hourNames[p.value[0]] + ":00 — " + p.value[2] + " timestamps"); } },
      xAxis: { type: "category", data: hourNames, splitArea: { show: true } },
      yAxis: { type: "category", data: days, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: top, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80, inRange: { color: ["#ffffff", "#2a64ad"] } },
      series: [{ id: "hours", type: "heatmap", data: hourData(a.local_hour_of_week) }]
    });
    var tools = root.querySelector('.chart-tools[data-for="chart-hours"]');
    tools.addEventListener("click", function (e) {
      var zone = e.target.getAttribute("data-zone");
      if (!zone) { return; }
      press(tools, "data-zone", zone);
      chart.setOption({ series: [{ id: "hours", data: hourData(zone === "utc" ? a.time.hour_of_week : a.local_hour_of_week) }] });
    });
    return chart;
  }

  var worldReady;
  function world(root) {
    if (!worldReady) {
      worldReady = Promise.all([load(root.dataset.topojson), getJSON(root.dataset.world)]).then(function (res) {
        var topo = res[1];
        var geo = window.topojson.feature(topo, topo.objects.countries);
        // Key every shape by its ISO numeric code, as the API gives it.
        geo.features.forEach(function (f) { f.properties = { name: String(f.id) }; });
        window.echarts.registerMap("world", geo);
      });
    }
    return worldReady;
  }

  function worldMap(root, a) {
    var el = root.querySelector("#chart-map");
    var chart = window.echarts.init(el);
    function layer(list) {
      return list.filter(function (c) { return c.numeric; }).map(function (c) { return { name: c.numeric, value: c.n, label: c.name, code: c.code }; });
    }
    var layers = { victims: layer(a.victim_countries), infra: layer(a.infra_countries) };
    function draw(which) {
      var data = layers[which];
      var top = Math.max.apply(null, data.map(function (d) { return d.value; }).concat([1]));
      chart.setOption({
        animation: false,
        tooltip: { formatter: function (p) { return p.data ? esc(p.data.label + ": " + p.data.value + " events") : ""; } },
        visualMap: { min: 0, max: top, left: 8, bottom: 8, itemHeight: 80, inRange: { color: ["#e3edf8", which === "infra" ? "#b3261e" : "#2a64ad"] } },
        series: [{ id: "countries", type: "map", map: "world", roam: true, data: data, emphasis: { label: { show: false } },
          itemStyle: { areaColor: "#f2f2f0", borderColor: "#c9ced3" } }]
      });
      el.dataset.countries = data.map(function (d) { return d.code; }).join(" ");
    }
    world(root).then(function () { draw("victims"); }).catch(function (err) { el.textContent = "Map unavailable: " + err.message; });
    var tools = root.querySelector('.chart-tools[data-for="chart-map"]');
    tools.addEventListener("click", function (e) {
      var which = e.target.getAttribute("data-layer");
      if (!which) { return; }
      press(tools, "data-layer", which);
      world(root).then(function () { draw(which); });
    });
    return chart;
  }

  function timeline(root, a) {
    var el = root.querySelector("#chart-timeline");
    if (!a.timeline.length) { el.textContent = "No dated events."; return null; }
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      tooltip: { trigger: "axis", formatter: function (ps) { return esc(ps[0].name + ": " + ps[0].value + " events"); } },
      xAxis: { type: "category", data: a.timeline.map(function (m) { return m.month; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: a.timeline.map(function (m) { return m.n; }), itemStyle: { color: "#1f5fa8" } }]
    });
    return chart;
  }

  // Graph page.
  function graphApp(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    var status = root.querySelector("#graph-status");
    var slider = root.querySelector("#graph-min");
    var shown = root.querySelector("#graph-min-value");
    var dim = root.querySelector("#graph-dim");
    var country = root.querySelector("#graph-country");
    var purpose = root.querySelector("#graph-purpose");
    var panel = root.querySelector("#graph-panel");
    var tbody = root.querySelector("#graph-table tbody");
    var cy, data, timer;

    function fetchGraph() {
      status.textContent = "loading…";
      return getJSON(root.dataset.api + "?min=" + encodeURIComponent(slider.value)).then(function (g) {
        data = g;
        var purposes = {};
        g.nodes.forEach(function (n) { n.purposes.forEach(function (p) { purposes[p] = true; }); });
        Object.keys(purposes).sort().forEach(function (p) {
          if (!purpose.querySelector('option[value="' + CSS.escape(p) + '"]')) {
            var o = document.createElement("option");
            o.value = p; o.textContent = p;
            purpose.appendChild(o);
          }
        });
        draw();
      }).catch(function (err) { status.textContent = err.message; });
    }

    function keep() {
      var min = parseFloat(slider.value), d = dim.value;
      var c = country.value.trim().toUpperCase(), p = purpose.value;
      var nodeOK = {};
      data.nodes.forEach(function (n) {
        nodeOK[n.id] = (!c || n.countries.indexOf(c) >= 0) && (!p || n.purposes.indexOf(p) >= 0);
      });
      var edges = data.edges.filter(function (e) {
        var s = d ? e.dimensions[d] : e.score;
        return s !== undefined && s >= min && (nodeOK[e.source] || nodeOK[e.target]);
      });
      var used = {};
      edges.forEach(function (e) { used[e.source] = used[e.target] = true; });
      return { nodes: data.nodes.filter(function (n) { return used[n.id]; }), edges: edges };
    }

    function draw() {
      var g = keep();
      var els = g.nodes.map(function (n) {
        return { data: { id: String(n.id), label: n.group, size: 12 + 4 * Math.sqrt(n.events) } };
      }).concat(g.edges.map(function (e) {
        return { data: { id: e.source + "-" + e.target, source: String(e.source), target: String(e.target), score: e.score, width: 1 + 6 * e.score } };
      }));
      if (cy) { cy.destroy(); }
      cy = window.cytoscape({
        container: root.querySelector("#graph"),
        elements: els,
        minZoom: 0.1, maxZoom: 4,
        style: [
          { selector: "node", style: { label: "data(label)", width: "data(size)", height: "data(size)", "font-size": 9, "background-color": "#1f5fa8", color: "#1d232a", "text-valign": "bottom" } },
          { selector: "edge", style: { width: "data(width)", "line-color": "#9fb4cc", "curve-style": "haystack" } },
          { selector: ":selected", style: { "background-color": "#b3261e", "line-color": "#b3261e" } }
        ],
        layout: { name: g.nodes.length > 400 ? "grid" : "cose", animate: false, randomize: false, numIter: 600 }
      });
      cy.on("tap", "node", function (e) { window.location.assign("/groups/" + encodeURIComponent(e.target.id())); });
      cy.on("tap", "edge", function (e) { showPair(e.target.data("source"), e.target.data("target")); });
      window.spoorGraph = cy;
      status.textContent = g.nodes.length + " groups, " + g.edges.length + " links";
      tbody.replaceChildren.apply(tbody, g.edges.slice(0, 500).map(function (e) {
        var tr = document.createElement("tr");
        [name(e.source), name(e.target), e.score.toFixed(2)].forEach(function (t) {
          var td = document.createElement("td"); td.textContent = t; tr.appendChild(td);
        });
        return tr;
      }));
    }

    function name(id) {
      for (var i = 0; i < data.nodes.length; i++) { if (data.nodes[i].id === id) { return data.nodes[i].group; } }
      return String(id);
    }

    function showPair(a, b) {
      panel.textContent = "loading…";
      getJSON("/api/v1/groups/" + encodeURIComponent(a) + "/similarity/" + encodeURIComponent(b)).then(function (p) {
        panel.replaceChildren();
        var h = document.createElement("h3");
        h.textContent = p.a_name + " — " + p.b_name + ": " + p.score.toFixed(2);
        panel.appendChild(h);
        var dl = document.createElement("dl");
        Object.keys(p.dimensions).forEach(function (d) {
          var dt = document.createElement("dt"); dt.textContent = d + " " + p.dimensions[d].toFixed(2);
          var dd = document.createElement("dd");
          dd.textContent = (p.shared[d] || []).map(function (ev) { return ev.value; }).join(", ");
          dl.appendChild(dt); dl.appendChild(dd);
        });
        panel.appendChild(dl);
      }).catch(function (err) { panel.textContent = err.message; });
    }

    slider.addEventListener("input", function () {
      shown.textContent = slider.value;
      clearTimeout(timer);
      timer = setTimeout(fetchGraph, 250);
    });
    [dim, purpose].forEach(function (el) { el.addEventListener("change", function () { if (data) { draw(); } }); });
    country.addEventListener("input", function () { if (data) { draw(); } });
    root.querySelector("#graph-tools").addEventListener("submit", function (e) { e.preventDefault(); });
    load(root.dataset.cytoscape).then(fetchGraph).catch(function (err) { status.textContent = err.message; });
  }

  // Dashboard: events by month (the tables beside it list the rest).
  function dashboard(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var o = res[1];
      var el = root.querySelector("#chart-events");
      if (!o.timeline.length) { el.textContent = "No dated events."; return; }
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 48, right: 16, top: 12, bottom: 48 },
        tooltip: { trigger: "axis", formatter: function (ps) { return esc(ps[0].name + ": " + ps[0].value + " events"); } },
        dataZoom: [{ type: "slider", bottom: 4, height: 16 }],
        xAxis: { type: "category", data: o.timeline.map(function (m) { return m.month; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: o.timeline.map(function (m) { return m.n; }), itemStyle: { color: "#1f5fa8" } }]
      });
      window.spoorCharts = [chart];
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function (err) { root.querySelector("#chart-events").textContent = "Chart unavailable: " + err.message; });
  }

  // Sightings timeline (indicator and group pages): counts by day; the
  // table below the chart lists them.
  function sightings(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    var el = root.querySelector(".chart");
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var byDay = {};
      (res[1] || []).forEach(function (s) {
        var d = String(s.seen_at || "").slice(0, 10);
        if (d) { byDay[d] = (byDay[d] || 0) + (s.count || 1); }
      });
      var days = Object.keys(byDay).sort();
      if (!days.length) { el.textContent = "No dated sightings."; return; }
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 48, right: 16, top: 12, bottom: 48 },
        tooltip: { trigger: "axis", formatter: function (ps) { return esc(ps[0].value[0] + ": seen " + ps[0].value[1] + " times"); } },
        dataZoom: [{ type: "slider", bottom: 4, height: 16 }],
        xAxis: { type: "time" },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", barMaxWidth: 24, data: days.map(function (d) { return [d, byDay[d]]; }), itemStyle: { color: "#b3261e" } }]
      });
      root.dataset.days = days.join(" ");
      window.spoorSightings = chart;
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function (err) { el.textContent = "Chart unavailable: " + err.message + " (see the table below)."; });
  }

  // Reputation model page: box plots of the 10-fold F1 and the hold-out's
  // category confusion as a heatmap (the tables below hold every figure).
  function reputationEval(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var ev = res[1].evaluation;
      if (!ev) { return; }
      var charts = [f1Boxes(root, ev), confusion(root, ev)];
      window.spoorCharts = charts;
      window.addEventListener("resize", function () { charts.forEach(function (c) { if (c) { c.resize(); } }); });
    }).catch(function (err) {
      root.querySelectorAll(".chart").forEach(function (el) { el.textContent = "Chart unavailable: " + err.message + " (see the tables below)."; });
    });
  }

  function f1Boxes(root, ev) {
    var el = root.querySelector("#chart-f1");
    var models = ev.splits.length ? ev.splits[0].cv.models.map(function (m) { return m.model; }) : [];
    var colors = ["#1f5fa8", "#b3261e", "#2e7d32"];
    var chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 28, bottom: 28 },
      tooltip: { trigger: "item", formatter: function (p) {
        var v = p.data.value || p.data;
        return esc(p.seriesName + " · " + p.name + ": min " + v[1].toFixed(3) + ", q1 " + v[2].toFixed(3) + ", median " + v[3].toFixed(3) + ", q3 " + v[4].toFixed(3) + ", max " + v[5].toFixed(3));
      } },
      xAxis: { type: "category", data: models },
      yAxis: { type: "value", name: "F1", min: 0, max: 1 },
      series: ev.splits.map(function (sp, i) {
        return { name: sp.split + " split", type: "boxplot", itemStyle: { borderColor: colors[i % colors.length] },
          data: sp.cv.models.map(function (m) { return [m.f1.min, m.f1.q1, m.f1.median, m.f1.q3, m.f1.max]; }) };
      })
    });
    return chart;
  }

  function confusion(root, ev) {
    var el = root.querySelector("#chart-confusion");
    var splits = ev.splits.filter(function (sp) { return sp.holdout && sp.holdout.models.length && sp.holdout.models[0].category_confusion; });
    if (!splits.length) { el.textContent = "No category confusion stored."; return null; }
    var chart = window.echarts.init(el);
    function draw(sp) {
      var m = sp.holdout.models[0], cm = m.category_confusion;
      var n = cm.length, cats = [], data = [];
      var labels = root.querySelectorAll("#confusion-" + CSS.escape(sp.split) + " thead th");
      for (var k = 1; k <= n && k < labels.length; k++) { cats.push(labels[k].textContent); }
      cm.forEach(function (row, i) {
        var total = row.reduce(function (a, b) { return a + b; }, 0) || 1;
        row.forEach(function (v, j) { data.push([j, i, Math.round(1000 * v / total) / 1000, v]); });
      });
      chart.setOption({
        animation: false,
        title: { text: m.model + ", " + sp.split + " split", left: "center", textStyle: { fontSize: 12 } },
        grid: { left: 110, right: 16, top: 28, bottom: 90 },
        tooltip: { formatter: function (p) { return esc(cats[p.value[1]] + " → " + cats[p.value[0]] + ": " + p.value[3] + " names (" + (100 * p.value[2]).toFixed(1) + " % of the row)"); } },
        xAxis: { type: "category", data: cats, name: "predicted", nameLocation: "middle", nameGap: 70, axisLabel: { rotate: 40 } },
        yAxis: { type: "category", data: cats, inverse: true, name: "truth" },
        visualMap: { min: 0, max: 1, calculable: false, orient: "horizontal", left: "right", bottom: 0, itemHeight: 80, dimension: 2, inRange: { color: ["#ffffff", "#2a64ad"] } },
        series: [{ id: "confusion", type: "heatmap", data: data, label: { show: true, formatter: function (p) { return p.value[2] ? (100 * p.value[2]).toFixed(0) : ""; } } }]
      });
    }
    draw(splits[0]);
    var tools = root.querySelector('.chart-tools[data-for="chart-confusion"]');
    tools.addEventListener("click", function (e) {
      var i = e.target.getAttribute("data-split");
      if (i === null) { return; }
      press(tools, "data-split", i);
      var sp = ev.splits[parseInt(i, 10)];
      if (sp && sp.holdout) { draw(sp); }
    });
    return chart;
  }

  // Technique page: one row per group (those with most events on top),
  // a dot per dated event holding the technique; the table is the fallback.
  function techniqueTimeline(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    var el = root.querySelector(".chart");
    if (!el) { return; }
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var uses = (res[1] || []).filter(function (u) { return (u.dates || []).length; }).slice(0, 30).reverse();
      if (!uses.length) { el.textContent = "No dated events (see the table below)."; return; }
      var points = [];
      uses.forEach(function (u, row) {
        u.dates.forEach(function (d) { points.push([String(d).slice(0, 10), row]); });
      });
      el.style.height = Math.max(160, 40 + 22 * uses.length) + "px";
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: false,
        grid: { left: 180, right: 16, top: 12, bottom: 48 },
        tooltip: { formatter: function (p) { return esc(uses[p.value[1]].group + ", " + p.value[0]); } },
        dataZoom: [{ type: "slider", bottom: 4, height: 16 }],
        xAxis: { type: "time" },
        yAxis: { type: "category", data: uses.map(function (u) { return u.group; }), axisLabel: { width: 170, overflow: "truncate" } },
        series: [{ type: "scatter", symbolSize: 8, data: points, itemStyle: { color: "#1f5fa8", opacity: 0.7 } }]
      });
      chart.on("click", function (p) { window.location.assign("/groups/" + encodeURIComponent(uses[p.value[1]].group_id)); });
      root.dataset.groups = uses.length;
      window.addEventListener("resize", function () { chart.resize(); });
    }).catch(function (err) { el.textContent = "Chart unavailable: " + err.message + " (see the table below)."; });
  }

  // Attribution model page: calibration curves, accuracy against
  // coverage, and the most-confused pairs as a heatmap (tables below).
  function attributionEval(root) {
    if (root.dataset.drawn) { return; }
    root.dataset.drawn = "1";
    Promise.all([load(root.dataset.echarts), getJSON(root.dataset.api)]).then(function (res) {
      var ev = res[1].evaluation;
      if (!ev) { return; }
      var models = ev.models || [];
      var charts = [];
      var cal = root.querySelector("#chart-calibration");
      if (cal) {
        var c = window.echarts.init(cal);
        c.setOption({
          animation: false, legend: { top: 0 }, grid: { left: 48, right: 16, top: 32, bottom: 40 },
          tooltip: { formatter: function (p) { return esc(p.seriesName + ": " + (p.value[0] * 100).toFixed(0) + " % sure, " + (p.value[1] * 100).toFixed(0) + " % right (" + p.value[2] + " events)"); } },
          xAxis: { type: "value", min: 0, max: 1, name: "top probability", nameLocation: "middle", nameGap: 24 },
          yAxis: { type: "value", min: 0, max: 1, name: "share right" },
          // The diagonal comes last so that each model keeps the colour
          // it has in the coverage chart.
          series: models.map(function (m) {
            return { name: m.model, type: "line", data: (m.reliability || []).filter(function (b) { return b.events > 0; }).map(function (b) { return [b.confidence, b.accuracy, b.events]; }) };
          }).concat([{ name: "perfect", type: "line", data: [[0, 0, 0], [1, 1, 0]], lineStyle: { type: "dashed" }, itemStyle: { color: "#999" }, symbol: "none", silent: true }])
        });
        charts.push(c);
      }
      var cov = root.querySelector("#chart-coverage");
      if (cov) {
        var v = window.echarts.init(cov);
        v.setOption({
          animation: false, legend: { top: 0 }, grid: { left: 48, right: 16, top: 32, bottom: 40 },
          tooltip: { formatter: function (p) { return esc(p.seriesName + " at ≥ " + p.value[2].toFixed(1) + ": " + (p.value[0] * 100).toFixed(0) + " % answered, " + (p.value[1] * 100).toFixed(0) + " % right"); } },
          xAxis: { type: "value", min: 0, max: 1, name: "coverage", nameLocation: "middle", nameGap: 24 },
          yAxis: { type: "value", min: 0, max: 1, name: "accuracy" },
          series: models.map(function (m) {
            return { name: m.model, type: "line", data: (m.coverage_curve || []).filter(function (p) { return p.coverage > 0; }).map(function (p) { return [p.coverage, p.accuracy, p.threshold]; }) };
          })
        });
        charts.push(v);
      }
      var conf = root.querySelector("#chart-confused");
      if (conf && (ev.confused || []).length) {
        var truths = [], preds = [];
        ev.confused.forEach(function (c) {
          var t = c.truth || String(c.truth_id), p = c.predicted || String(c.predicted_id);
          if (truths.indexOf(t) < 0) { truths.push(t); }
          if (preds.indexOf(p) < 0) { preds.push(p); }
        });
        var cells = ev.confused.map(function (c) {
          return [preds.indexOf(c.predicted || String(c.predicted_id)), truths.indexOf(c.truth || String(c.truth_id)), c.count];
        });
        var h = window.echarts.init(conf);
        h.setOption({
          animation: false, grid: { left: 160, right: 16, top: 12, bottom: 90 },
          tooltip: { formatter: function (p) { return esc(truths[p.value[1]] + " taken for " + preds[p.value[0]] + ": " + p.value[2] + " events"); } },
          xAxis: { type: "category", data: preds, axisLabel: { rotate: 30, width: 120, overflow: "truncate" } },
          yAxis: { type: "category", data: truths, axisLabel: { width: 150, overflow: "truncate" } },
          visualMap: { min: 0, max: Math.max.apply(null, cells.map(function (c) { return c[2]; })), show: false, inRange: { color: ["#e8eef7", "#1f5fa8"] } },
          series: [{ type: "heatmap", data: cells, label: { show: true } }]
        });
        charts.push(h);
        root.dataset.confused = cells.length;
      }
      window.spoorCharts = charts;
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }).catch(function (err) {
      root.querySelectorAll(".chart").forEach(function (el) { el.textContent = "Chart unavailable: " + err.message + " (see the tables below)."; });
    });
  }

  function start() {
    var ae = document.getElementById("attribution-eval");
    if (ae) { attributionEval(ae); }
    document.querySelectorAll(".sightings-timeline").forEach(sightings);
    document.querySelectorAll(".technique-timeline").forEach(techniqueTimeline);
    var re = document.getElementById("reputation-eval");
    if (re) { reputationEval(re); }
    var d = document.getElementById("overview");
    if (d) { dashboard(d); }
    var a = document.getElementById("analysis");
    if (a) { groupAnalysis(a); }
    var g = document.getElementById("graph-app");
    if (g) { graphApp(g); }
  }
  document.addEventListener("DOMContentLoaded", start);
  // htmx swaps pages into #main without loading them.
  document.addEventListener("htmx:afterSettle", start);
})();

// The navigation's menus are <details>: open one, and the others close; a
// click outside or on a choice closes it (htmx keeps the header across
// page swaps, so nothing else would).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var menus = document.querySelectorAll("header.top details.menu[open]");
    for (var i = 0; i < menus.length; i++) {
      var m = menus[i];
      var inside = m.contains(e.target);
      if (!inside || (e.target.closest && e.target.closest("a"))) {
        if (!(inside && e.target.closest("summary"))) { m.removeAttribute("open"); }
      }
    }
  });
})();
