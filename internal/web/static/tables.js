// Tables that hold all their rows on the page (a group's techniques,
// software, related groups, …) sort in the browser when a column's header
// is clicked, and again the other way on a second click: numbers as
// numbers, other values in natural order (T1059 before T1059.001), and
// empty cells ("", "—") last in either order, as the store's lists do.
// Lists that page (indicators, events, documents) sort on the server:
// their headers are links. Without script the table keeps its order.
(function () {
  "use strict";
  function value(row, i) {
    var c = row.cells[i];
    if (!c) { return ""; }
    var v = c.getAttribute("data-sort");
    v = (v !== null ? v : c.textContent).trim();
    return v === "—" || v === "-" ? "" : v;
  }
  function sortBy(table, i, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var desc = th.getAttribute("aria-sort") === "ascending";
    var numeric = rows.every(function (r) { var v = value(r, i); return v === "" || !isNaN(Number(v)); });
    rows.sort(function (a, b) {
      var x = value(a, i), y = value(b, i);
      if (x === "" || y === "") { return (x === "" ? 1 : 0) - (y === "" ? 1 : 0); }
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      return desc ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
  }
  function init() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      if (table.getAttribute("data-sort-ready") || !table.tHead || !table.tHead.rows[0]) { return; }
      table.setAttribute("data-sort-ready", "1");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        if (th.textContent.trim() === "" || th.hasAttribute("data-nosort")) { return; }
        var b = document.createElement("button");
        b.type = "button";
        b.className = "sort";
        b.title = "Sort by this column";
        while (th.firstChild) { b.appendChild(th.firstChild); }
        th.appendChild(b);
        b.addEventListener("click", function () { sortBy(table, i, th); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  // htmx swaps pages into #main without loading them.
  document.addEventListener("htmx:afterSettle", init);
})();
