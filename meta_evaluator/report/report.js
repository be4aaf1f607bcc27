/* meta_evaluator score report: sortable tables and the disagreement explorer.
   Vanilla JavaScript, no network. Every data string is written with textContent (never innerHTML),
   so sample text is shown as text whatever it contains. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* ---------------------------------------------------------------- sortable tables */
  function cellValue(cell) {
    var v = cell.getAttribute("data-sort");
    if (v === null) v = cell.textContent.trim();
    var n = parseFloat(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }

  function makeSortable(table) {
    var head = table.tHead;
    if (!head || !table.tBodies.length) return;
    var row = head.rows[head.rows.length - 1];
    var offset = head.rows.length > 1 ? 1 : 0; /* first header row spans; judge column is rowspan */
    Array.prototype.forEach.call(row.cells, function (th, i) {
      var col = i + offset;
      if (head.rows.length === 1) col = i;
      th.classList.add("sortable");
      th.setAttribute("title", (th.getAttribute("title") || "") + " (click to sort)");
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
          return !r.classList.contains("ceiling");
        });
        var pinned = Array.prototype.slice.call(body.rows).filter(function (r) {
          return r.classList.contains("ceiling");
        });
        var dir = th.getAttribute("data-dir") === "desc" ? "asc" : "desc";
        Array.prototype.forEach.call(row.cells, function (o) { o.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", dir);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          if (typeof x === "number" && typeof y !== "number") return -1;
          if (typeof y === "number" && typeof x !== "number") return 1;
          var c = x < y ? -1 : x > y ? 1 : 0;
          return dir === "asc" ? c : -c;
        });
        rows.concat(pinned).forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* ---------------------------------------------------------------- explorer */
  function Explorer(section) {
    var data = JSON.parse(section.querySelector("script.ex-data").textContent);
    this.d = data;
    this.section = section;
    this.page = 0;
    this.n = data.ids.length;
    this.order = [];
    for (var i = 0; i < this.n; i++) this.order.push(i);
    this.view = this.order.slice();
    this.haystack = null;
    this.build();
    this.apply();
  }

  Explorer.prototype.label = function (code) {
    return code >= 0 ? this.d.labels[code] : "\u2014";
  };

  Explorer.prototype.build = function () {
    var self = this, d = this.d;
    var controls = this.section.querySelector(".ex-controls");
    controls.hidden = false;
    function select(name, options) {
      var wrap = el("label", "ex-field", name + " ");
      var s = el("select");
      options.forEach(function (o) {
        var opt = el("option", null, o[1]);
        opt.value = o[0];
        s.appendChild(opt);
      });
      s.addEventListener("change", function () { self.page = 0; self.apply(); });
      wrap.appendChild(s);
      controls.appendChild(wrap);
      return s;
    }
    this.fShow = select("show", [
      ["all", "all samples"],
      ["wrong", "judge \u2260 consensus"],
      ["split", "humans split"],
      ["low", "low agreement (< " + Math.round(d.low_agreement * 100) + "%)"]
    ]);
    this.fJudge = select("judge", [["", "any judge"]].concat(d.judge_ids.map(function (j, k) {
      return [String(k), j];
    })));
    this.fLabel = select("label", [["", "any label"]].concat(d.labels.map(function (l, k) {
      return [String(k), l];
    })));
    this.fSort = select("sort", [
      ["contested", "most contested first"],
      ["id", "sample id"],
      ["support", "lowest consensus support"]
    ]);
    var wrap = el("label", "ex-field", "search ");
    this.fSearch = el("input");
    this.fSearch.type = "search";
    this.fSearch.placeholder = "id, text or rationale";
    var timer = null;
    this.fSearch.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.page = 0; self.apply(); }, 150);
    });
    wrap.appendChild(this.fSearch);
    controls.appendChild(wrap);
    var csv = el("button", "ex-btn", "Export CSV");
    csv.type = "button";
    csv.addEventListener("click", function () { self.exportCsv(); });
    controls.appendChild(csv);
    this.count = el("span", "ex-count");
    controls.appendChild(this.count);
    var live = this.section.querySelector(".ex-live");
    var stat = this.section.querySelector(".ex-static");
    if (stat) stat.hidden = true;
    var scroll = el("div", "scroll");
    this.table = el("table", "ex-table");
    var thead = el("thead");
    var tr = el("tr");
    ["sample", "input", "humans", "consensus"].concat(d.judge_ids).forEach(function (h) {
      tr.appendChild(el("th", null, h));
    });
    thead.appendChild(tr);
    this.table.appendChild(thead);
    this.tbody = el("tbody");
    this.table.appendChild(this.tbody);
    scroll.appendChild(this.table);
    live.appendChild(scroll);
    var pager = el("div", "ex-pager");
    this.prev = el("button", "ex-btn", "\u2190 previous");
    this.next = el("button", "ex-btn", "next \u2192");
    this.prev.type = this.next.type = "button";
    this.pageInfo = el("span", "ex-page");
    this.prev.addEventListener("click", function () { self.page--; self.render(); });
    this.next.addEventListener("click", function () { self.page++; self.render(); });
    pager.appendChild(this.prev);
    pager.appendChild(this.pageInfo);
    pager.appendChild(this.next);
    live.appendChild(pager);
  };

  Explorer.prototype.text = function (i) {
    if (!this.haystack) {
      var d = this.d, hs = [];
      for (var r = 0; r < this.n; r++) {
        var parts = [d.ids[r]];
        for (var c = 0; c < d.texts.length; c++) parts.push(d.texts[c][r]);
        for (var j = 0; j < d.why.length; j++) parts.push(d.why[j][r]);
        hs.push(parts.join("\n").toLowerCase());
      }
      this.haystack = hs;
    }
    return this.haystack[i];
  };

  Explorer.prototype.keep = function (i) {
    var d = this.d, show = this.fShow.value, judge = this.fJudge.value, lab = this.fLabel.value;
    var cons = d.consensus[i];
    if (show === "split" && !d.split[i]) return false;
    if (show === "low" && !(d.support[i] !== null && d.support[i] < d.low_agreement)) return false;
    if (show === "wrong") {
      if (cons < 0) return false;
      if (judge !== "") {
        var code = d.judges[i][+judge];
        if (code < 0 || code === cons) return false;
      } else if (!d.wrong[i]) return false;
    }
    if (lab !== "") {
      var k = +lab, hit = cons === k;
      if (judge !== "") hit = hit || d.judges[i][+judge] === k;
      else {
        for (var j = 0; j < d.judges[i].length && !hit; j++) hit = d.judges[i][j] === k;
        for (var h = 0; h < d.humans[i].length && !hit; h++) hit = d.humans[i][h] === k;
      }
      if (!hit) return false;
    }
    var q = this.fSearch.value.trim().toLowerCase();
    if (q && this.text(i).indexOf(q) < 0) return false;
    return true;
  };

  Explorer.prototype.apply = function () {
    var self = this, d = this.d;
    var view = this.order.filter(function (i) { return self.keep(i); });
    var sort = this.fSort.value;
    if (sort === "id") {
      view.sort(function (a, b) { return d.ids[a] < d.ids[b] ? -1 : d.ids[a] > d.ids[b] ? 1 : 0; });
    } else if (sort === "support") {
      view.sort(function (a, b) {
        var x = d.support[a] === null ? 2 : d.support[a], y = d.support[b] === null ? 2 : d.support[b];
        return x - y || a - b;
      });
    }
    this.view = view;
    this.count.textContent = view.length.toLocaleString() + " of " + this.n.toLocaleString() + " samples";
    this.render();
  };

  Explorer.prototype.render = function () {
    var d = this.d, size = d.page_size;
    var pages = Math.max(1, Math.ceil(this.view.length / size));
    this.page = Math.min(Math.max(this.page, 0), pages - 1);
    var start = this.page * size, rows = this.view.slice(start, start + size);
    var body = el("tbody");
    var self = this;
    rows.forEach(function (i) { body.appendChild(self.row(i)); });
    this.table.replaceChild(body, this.tbody);
    this.tbody = body;
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.pageInfo.textContent = this.view.length
      ? "rows " + (start + 1) + "\u2013" + (start + rows.length) + " of " + this.view.length + " (page " + (this.page + 1) + " / " + pages + ")"
      : "no sample matches";
  };

  Explorer.prototype.row = function (i) {
    var d = this.d, tr = el("tr");
    if (d.split[i]) tr.className = "ex-split";
    var id = el("th", null, d.ids[i]);
    id.scope = "row";
    tr.appendChild(id);
    var input = el("td", "ex-input");
    for (var c = 0; c < d.texts.length; c++) {
      var block = el("div", "ex-text");
      block.appendChild(el("b", null, d.text_columns[c] + ": "));
      block.appendChild(document.createTextNode(d.texts[c][i] || ""));
      input.appendChild(block);
    }
    tr.appendChild(input);
    var hum = el("td", "ex-humans");
    for (var h = 0; h < d.annotators.length; h++) {
      var code = d.humans[i][h];
      if (code < 0) continue;
      var chip = el("span", "chip" + (code === d.consensus[i] ? "" : " chip-off"), d.annotators[h] + ": " + this.label(code));
      hum.appendChild(chip);
    }
    if (!hum.childNodes.length) hum.textContent = "\u2014";
    tr.appendChild(hum);
    var cons = el("td", "ex-cons", this.label(d.consensus[i]));
    if (d.support[i] !== null) {
      cons.appendChild(el("span", "ci", Math.round(d.support[i] * 100) + "% of humans"));
    }
    tr.appendChild(cons);
    for (var j = 0; j < d.judge_ids.length; j++) {
      var jc = d.judges[i][j];
      var cell = el("td", jc >= 0 && d.consensus[i] >= 0 && jc !== d.consensus[i] ? "ex-bad" : "");
      cell.appendChild(el("div", "ex-lab", this.label(jc)));
      if (d.share[j][i] !== null) cell.appendChild(el("span", "ci", "share " + d.share[j][i].toFixed(2)));
      var why = d.why[j][i];
      if (why) {
        var w = el("div", "ex-why", why.length > 160 ? why.slice(0, 160) + "\u2026" : why);
        w.title = why;
        cell.appendChild(w);
      }
      tr.appendChild(cell);
    }
    return tr;
  };

  function csvField(v) {
    var s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; /* no formula injection in spreadsheets */
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  Explorer.prototype.exportCsv = function () {
    var d = this.d, self = this;
    var head = ["original_id"].concat(d.text_columns, d.annotators, ["consensus", "consensus_support", "humans_split"]);
    d.judge_ids.forEach(function (j) { head.push(j, j + "_share", j + "_rationale"); });
    var lines = [head.map(csvField).join(",")];
    this.view.forEach(function (i) {
      var row = [d.ids[i]];
      for (var c = 0; c < d.texts.length; c++) row.push(d.texts[c][i]);
      for (var h = 0; h < d.annotators.length; h++) row.push(d.humans[i][h] >= 0 ? self.label(d.humans[i][h]) : "");
      row.push(d.consensus[i] >= 0 ? self.label(d.consensus[i]) : "", d.support[i], d.split[i]);
      for (var j = 0; j < d.judge_ids.length; j++) {
        row.push(d.judges[i][j] >= 0 ? self.label(d.judges[i][j]) : "", d.share[j][i], d.why[j][i]);
      }
      lines.push(row.map(csvField).join(","));
    });
    var blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = "disagreements_" + d.task.replace(/[^A-Za-z0-9_.-]/g, "_") + ".csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable-table"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("section.explorer"), function (s) {
      s.explorer = new Explorer(s);
    });
    document.documentElement.classList.add("js");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
