/* enrich report: draws the Vega-Lite charts and drives the search table. No network: every chart's
   data is inlined in its page and the search rows come from assets/search-data.js. */
(function () {
  "use strict";

  function drawCharts() {
    var holders = document.querySelectorAll("[data-chart]");
    holders.forEach(function (el) {
      var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
      window.vegaEmbed(el, spec, { renderer: "svg", actions: false }).then(function () {
        el.setAttribute("data-drawn", "true");
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err;
        el.setAttribute("data-drawn", "error");
      });
    });
  }

  function searchTable() {
    var table = document.getElementById("search-table");
    if (!table || !window.ENRICH_SEARCH) { return; }
    var data = window.ENRICH_SEARCH;
    var cols = data.columns;
    var link = cols.indexOf("link");
    var numeric = data.numeric.map(function (c) { return cols.indexOf(c); });
    var rows = data.rows.map(function (r) {
      return { r: r, text: r.filter(function (v, i) { return i !== link && v !== null; }).join(" ").toLowerCase() };
    });
    var state = { q: "", kind: "", sort: null, desc: false, page: 0, size: 50 };
    var shown = rows;
    var body = table.querySelector("tbody");
    var q = document.getElementById("q");
    var kind = document.getElementById("kind");
    var count = document.getElementById("count");
    var pageLabel = document.getElementById("page");

    function compare(a, b) {
      var i = state.sort;
      var x = a.r[i], y = b.r[i];
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   /* missing values last, either direction */
      if (y === null) { return -1; }
      var d = numeric.indexOf(i) >= 0 ? x - y : String(x).localeCompare(String(y));
      return state.desc ? -d : d;
    }

    function apply() {
      var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
      var kindCol = cols.indexOf("kind");
      shown = rows.filter(function (row) {
        if (state.kind && row.r[kindCol] !== state.kind) { return false; }
        return words.every(function (w) { return row.text.indexOf(w) >= 0; });
      });
      if (state.sort !== null) { shown.sort(compare); }
      state.page = Math.min(state.page, Math.max(0, Math.ceil(shown.length / state.size) - 1));
      render();
    }

    function render() {
      var start = state.page * state.size;
      var part = shown.slice(start, start + state.size);
      var frag = document.createDocumentFragment();
      part.forEach(function (row) {
        var tr = document.createElement("tr");
        row.r.forEach(function (v, i) {
          if (i === link) { return; }
          var td = document.createElement("td");
          if (numeric.indexOf(i) >= 0) { td.className = "n"; }
          if (i === 0 && link >= 0 && row.r[link]) {
            var a = document.createElement("a");
            a.href = row.r[link];
            a.rel = "noopener noreferrer";
            a.textContent = v === null ? "" : String(v);
            td.appendChild(a);
          } else {
            td.textContent = v === null ? "" : (numeric.indexOf(i) >= 0 ? Number(v).toLocaleString("en") : String(v));
          }
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      });
      body.replaceChildren(frag);
      var pages = Math.max(1, Math.ceil(shown.length / state.size));
      count.textContent = shown.length === rows.length
        ? rows.length + " rows"
        : shown.length + " of " + rows.length + " rows match";
      pageLabel.textContent = "page " + (state.page + 1) + " of " + pages;
      document.getElementById("prev").disabled = state.page === 0;
      document.getElementById("next").disabled = state.page >= pages - 1;
      table.setAttribute("data-rows", String(shown.length));
    }

    q.addEventListener("input", function () { state.q = q.value; state.page = 0; apply(); });
    kind.addEventListener("change", function () { state.kind = kind.value; state.page = 0; apply(); });
    document.getElementById("prev").addEventListener("click", function () { state.page -= 1; render(); });
    document.getElementById("next").addEventListener("click", function () { state.page += 1; render(); });
    table.querySelectorAll("th[data-col]").forEach(function (th) {
      function sortBy() {
        var i = Number(th.getAttribute("data-col"));
        state.desc = state.sort === i ? !state.desc : numeric.indexOf(i) >= 0;
        state.sort = i;
        table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.desc ? "descending" : "ascending");
        apply();
      }
      th.addEventListener("click", sortBy);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(); } });
    });
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.vegaEmbed) { drawCharts(); }
    searchTable();
  });
})();
