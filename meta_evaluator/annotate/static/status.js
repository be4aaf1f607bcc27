/* The owner's status page: progress per annotator, agreement so far, flagged samples. */
"use strict";

(() => {
  const { api, el, showMessage } = ME;
  const $ = (id) => document.getElementById(id);
  const pct = (x) => (x == null ? "" : (100 * x).toFixed(1) + "%");
  const when = (ts) => (ts == null ? "" : new Date(ts * 1000).toLocaleString());

  function rows(tableId, list, cells) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...list.map((r) => el("tr", {}, ...cells(r).map((c) => el("td", {}, c)))));
    if (!list.length) body.append(el("tr", {}, el("td", { colspan: 9, class: "muted", text: "nothing yet" })));
  }

  function bar(done, total) {
    const fill = el("div", { class: "progress-fill" });
    fill.style.width = (total ? (100 * done) / total : 0) + "%";
    return el("div", { class: "progress" }, fill);
  }

  async function refresh() {
    let s;
    try { s = await api("/api/status"); }
    catch (e) {
      showMessage(e.status === 401 ? "This link is not valid: open the owner status link the annotate command printed." : e.message);
      return false;
    }
    showMessage("");
    $("title").textContent = "Annotation status · " + s.project;
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    rows("people", s.annotators, (a) => [a.annotator, a.done + " / " + a.total, bar(a.done, a.total),
      String(a.skipped), String(a.flagged), when(a.last_ts)]);
    rows("agreement", s.agreement, (p) => [p.task, p.a + " – " + p.b, String(p.n), pct(p.agreement),
      p.kappa == null ? "" : p.kappa.toFixed(3)]);
    rows("flags", s.flags, (f) => [f.sample, f.annotator, el("pre", { class: "text", text: f.comment })]);
    document.body.dataset.ready = "1";
    return true;
  }

  refresh().then((ok) => { if (ok) setInterval(refresh, 5000); });
})();
