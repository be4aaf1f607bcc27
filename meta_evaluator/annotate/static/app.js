/* The annotator page: one sample at a time, widgets generated from the task schema. */
"use strict";

(() => {
  const { api, el, showMessage } = ME;
  const $ = (id) => document.getElementById(id);

  let session = null;       // /api/session
  let done = new Set();     // samples with an answer that counts
  let skipped = new Set();  // samples skipped and not answered since
  let idx = 0;              // position in session.queue
  let item = null;          // /api/item of the current sample
  let active = 0;           // index (in choiceTasks) of the question the number keys answer
  let choiceTasks = [];     // indices of the tasks answered with keys (not free text)
  let busy = false;
  let reviewing = false;    // --show-judges: a just-submitted sample shows the judges' labels

  const current = () => session.queue[idx];

  function setProgress() {
    const total = session.queue.length;
    const n = session.queue.filter((s) => done.has(s)).length;
    $("progress-text").textContent = n + " / " + total;
    $("progress-fill").style.width = (total ? (100 * n) / total : 0) + "%";
    $("btn-undo").disabled = !session.can_undo;
  }

  /* -------------------------------------------------------------- widgets */
  function widget(task, ti) {
    const box = el("fieldset", { class: "task", "data-task": task.name, id: "task-" + ti });
    const legend = el("legend", {}, el("span", { class: "task-name", text: task.name }));
    if (task.required) legend.append(el("span", { class: "req", title: "required", text: " *" }));
    box.append(legend);
    const name = "t" + ti;
    if (task.kind === "text") {
      box.append(el("textarea", { name, rows: 3, class: "free", "aria-label": task.name }));
    } else if (task.kind === "numeric" && task.labels.length > 9) {
      const lo = task.labels[0], hi = task.labels[task.labels.length - 1];
      const out = el("output", { class: "slider-value", text: "not set" });
      const range = el("input", { type: "range", name, min: 0, max: task.labels.length - 1, step: 1, value: 0,
                                  "aria-label": task.name + " (" + lo + "–" + hi + ")" });
      range.dataset.touched = "";
      range.addEventListener("input", () => { range.dataset.touched = "1"; out.textContent = String(task.labels[range.value]); });
      legend.append(" ", out);
      box.append(el("div", { class: "slider" }, String(lo), range, String(hi)));
    } else {
      const multi = task.kind === "multilabel";
      const opts = el("div", { class: "options" + (task.kind === "numeric" ? " scale" : "") });
      task.labels.forEach((label, li) => {
        const input = el("input", { type: multi ? "checkbox" : "radio", name, value: li });
        input.addEventListener("change", () => { if (!multi) advance(ti); });
        const key = li < 9 ? el("kbd", { text: String(li + 1) }) : el("span");
        opts.append(el("label", { class: "option" }, input, key, el("span", { class: "label-text", text: String(label) })));
      });
      box.append(opts);
    }
    box.addEventListener("click", () => { const c = choiceTasks.indexOf(ti); if (c >= 0) setActive(c); });
    return box;
  }

  function setActive(c) {
    active = Math.max(0, Math.min(c, choiceTasks.length - 1));
    document.querySelectorAll("fieldset.task").forEach((f) => f.classList.remove("active"));
    if (choiceTasks.length) $("task-" + choiceTasks[active]).classList.add("active");
  }

  function advance(ti) {
    const c = choiceTasks.indexOf(ti);
    if (c >= 0 && c < choiceTasks.length - 1) setActive(c + 1);
  }

  function fill(answer) {
    session.tasks.forEach((task, ti) => {
      const value = answer ? answer.labels[task.name] : null;
      const name = "t" + ti;
      const inputs = document.querySelectorAll('[name="' + name + '"]');
      if (task.kind === "text") inputs[0].value = value == null ? "" : value;
      else if (task.kind === "numeric" && task.labels.length > 9) {
        const r = inputs[0], pos = value == null ? -1 : task.labels.indexOf(value);
        r.value = pos < 0 ? 0 : pos; r.dataset.touched = pos < 0 ? "" : "1";
        r.closest("fieldset").querySelector("output").textContent = pos < 0 ? "not set" : String(value);
      } else {
        const chosen = task.kind === "multilabel" ? (value || []) : (value == null ? [] : [value]);
        inputs.forEach((inp) => { inp.checked = chosen.includes(task.labels[Number(inp.value)]); });
      }
    });
    $("flag").checked = !!(answer && answer.flag);
    $("comment").value = answer ? answer.comment : "";
  }

  function collect() {
    const labels = {};
    session.tasks.forEach((task, ti) => {
      const inputs = [...document.querySelectorAll('[name="t' + ti + '"]')];
      if (task.kind === "text") labels[task.name] = inputs[0].value.trim() ? inputs[0].value : null;
      else if (task.kind === "numeric" && task.labels.length > 9)
        labels[task.name] = inputs[0].dataset.touched ? task.labels[Number(inputs[0].value)] : null;
      else if (task.kind === "multilabel") {
        const picked = inputs.filter((i) => i.checked).map((i) => task.labels[Number(i.value)]);
        labels[task.name] = picked;  // an empty set is an answer: "none of these"
      } else {
        const pick = inputs.find((i) => i.checked);
        labels[task.name] = pick ? task.labels[Number(pick.value)] : null;
      }
    });
    return labels;
  }

  /* -------------------------------------------------------------- sample */
  function renderSample() {
    const box = $("sample");
    box.replaceChildren();
    for (const f of item.fields) {
      const role = session.prompt_columns.includes(f.column) ? "prompt" : "response";
      box.append(el("div", { class: "field " + role },
        el("div", { class: "column", text: f.column }),
        el("pre", { class: "text", text: f.text })));
    }
    const judges = $("judges");
    judges.replaceChildren();
    const entries = Object.entries(item.judges || {});
    judges.hidden = entries.length === 0;
    if (entries.length) {
      judges.append(el("div", { class: "column", text: "Judges (shown after your submit)" }));
      for (const [jid, labels] of entries) {
        const parts = Object.entries(labels).filter(([, v]) => v != null)
          .map(([t, v]) => t + ": " + (Array.isArray(v) ? v.join(", ") : String(v)));
        judges.append(el("div", { class: "judge" }, el("strong", { text: jid }), " " + parts.join(" · ")));
      }
    }
    const state = done.has(current()) ? "answered" : skipped.has(current()) ? "skipped" : "new";
    $("position").replaceChildren(
      el("span", { text: "Sample " + (idx + 1) + " of " + session.queue.length + " · id " + current() }),
      el("span", { class: "state " + state, text: state }));
  }

  async function go(i) {
    if (!session.queue.length) return;
    idx = (i + session.queue.length) % session.queue.length;
    const id = current();
    item = await api("/api/item?id=" + encodeURIComponent(id));
    if (current() !== id) return;  // moved on while loading
    reviewing = false;
    renderSample();
    fill(item.answer);
    setActive(0);
    document.body.dataset.sample = id;
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();  // keys work again
    window.scrollTo(0, 0);
  }

  /* The next sample to work on after position i: unanswered first, then skipped ones. */
  function nextOpen(from) {
    const q = session.queue, n = q.length;
    for (let k = 1; k <= n; k++) { const j = (from + k) % n; if (!done.has(q[j]) && !skipped.has(q[j])) return j; }
    for (let k = 1; k <= n; k++) { const j = (from + k) % n; if (!done.has(q[j])) return j; }
    return -1;
  }

  async function moveOn() {
    const j = nextOpen(idx);
    if (j < 0) {
      await go(idx);  // refresh the current sample's state
      showMessage("All done — thank you! Use ← / → to review your answers.", "ok");
      return;
    }
    await go(j);
  }

  /* -------------------------------------------------------------- actions */
  async function guard(fn) {
    if (busy) return;
    busy = true;
    document.body.dataset.busy = "1";
    try { await fn(); }
    catch (e) { showMessage(e.message || String(e)); }
    finally { busy = false; document.body.dataset.busy = ""; }
  }

  const submit = () => guard(async () => {
    const labels = collect();
    const missing = session.tasks.filter((t) => t.required && labels[t.name] == null).map((t) => t.name);
    if (missing.length) { showMessage("Answer " + missing.join(", ") + " first."); return; }
    const sample = current();
    const res = await api("/api/submit", { sample, labels, flag: $("flag").checked, comment: $("comment").value });
    done.add(sample); skipped.delete(sample);
    session.can_undo = res.can_undo;
    setProgress();
    if (session.show_judges) {  // stay: the judges' labels are revealed now
      await go(idx);
      reviewing = true;
      const shown = Object.keys(item.judges || {}).length ? "The judges' labels are below" : "No judge labelled this sample";
      showMessage("Saved " + sample + ". " + shown + "; Enter or → for the next sample.", "ok");
      return;
    }
    showMessage("Saved " + sample + ".", "ok");
    await moveOn();
  });

  const next = () => guard(async () => { showMessage(""); await moveOn(); });

  const skip = () => guard(async () => {
    const sample = current();
    const res = await api("/api/skip", { sample });
    if (!done.has(sample)) skipped.add(sample);
    session.can_undo = res.can_undo;
    showMessage("Skipped " + sample + " — it comes back at the end.", "ok");
    await moveOn();
  });

  const undo = () => guard(async () => {
    const res = await api("/api/undo", {});
    await loadSession();
    const j = session.queue.indexOf(res.sample);
    showMessage("Undid your last submit (" + res.sample + ").", "ok");
    await go(j < 0 ? idx : j);
  });

  const nav = (d) => guard(async () => { showMessage(""); await go(idx + d); });

  function toggleFlag() { $("flag").checked = !$("flag").checked; }

  function choose(n) {
    if (!choiceTasks.length) return;
    const ti = choiceTasks[active];
    const inputs = [...document.querySelectorAll('[name="t' + ti + '"]')];
    if (inputs[0].type === "range" || n >= inputs.length) return;
    const inp = inputs[n];
    if (inp.type === "checkbox") inp.checked = !inp.checked;
    else { inp.checked = true; advance(ti); }
  }

  async function openGuidelines() {
    const res = await api("/api/guidelines");
    $("guidelines-text").textContent = res.text;
    $("guidelines-dialog").showModal();
  }

  function onKey(e) {
    if (document.querySelector("dialog[open]")) return;  // Esc closes it natively
    const typing = e.target.matches("textarea, input[type=text]");
    if (typing) {
      if (e.key === "Escape") e.target.blur();
      else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (e.target.type === "range" && /^(Arrow|Home|End|Page)/.test(k)) return;  // the slider's own keys
    if (/^[1-9]$/.test(k)) { e.preventDefault(); choose(Number(k) - 1); }
    else if (k === "Enter") { e.preventDefault(); if (reviewing) next(); else submit(); }
    else if (k === "ArrowRight" || k === "j") { e.preventDefault(); nav(1); }
    else if (k === "ArrowLeft" || k === "k") { e.preventDefault(); nav(-1); }
    else if (k === "ArrowDown") { e.preventDefault(); setActive(active + 1); }
    else if (k === "ArrowUp") { e.preventDefault(); setActive(active - 1); }
    else if (k === "s") { e.preventDefault(); skip(); }
    else if (k === "u") { e.preventDefault(); undo(); }
    else if (k === "f") { e.preventDefault(); toggleFlag(); }
    else if (k === "g" && session.has_guidelines) { e.preventDefault(); guard(openGuidelines); }
    else if (k === "?") { e.preventDefault(); $("help-dialog").showModal(); }
  }

  /* -------------------------------------------------------------- start */
  async function loadSession() {
    session = await api("/api/session");
    done = new Set(session.done);
    skipped = new Set(session.skipped);
    setProgress();
  }

  async function start() {
    if (!ME.hasToken()) { showMessage("This page needs your personal link (it ends with #token=…). Ask the project owner for it."); return; }
    try { await loadSession(); }
    catch (e) { showMessage(e.status === 401 ? "This link is not valid (wrong or old token). Ask the project owner for your link." : e.message); return; }
    $("who").textContent = session.annotator + " · " + session.project;
    $("btn-guidelines").hidden = !session.has_guidelines;
    $("annotation-prompt").textContent = session.annotation_prompt;  // text, never HTML
    $("annotation-prompt").hidden = !session.annotation_prompt;
    choiceTasks = session.tasks.map((t, ti) => ti).filter((ti) => session.tasks[ti].kind !== "text");
    $("tasks").replaceChildren(...session.tasks.map(widget));
    document.addEventListener("keydown", onKey);
    $("btn-submit").addEventListener("click", submit);
    $("btn-skip").addEventListener("click", skip);
    $("btn-undo").addEventListener("click", undo);
    $("btn-prev").addEventListener("click", () => nav(-1));
    $("btn-next").addEventListener("click", () => nav(1));
    $("btn-guidelines").addEventListener("click", () => guard(openGuidelines));
    $("btn-help").addEventListener("click", () => $("help-dialog").showModal());
    $("form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
    document.querySelectorAll("dialog .close").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));
    if (!session.queue.length) { showMessage("No samples are assigned to you in this round.", "ok"); return; }
    const q = session.queue;
    let first = q.findIndex((s) => !done.has(s) && !skipped.has(s));
    if (first < 0) first = q.findIndex((s) => !done.has(s));
    if (first < 0) { first = 0; showMessage("All done — thank you! Use ← / → to review your answers.", "ok"); }
    await guard(() => go(first));
    document.body.dataset.ready = "1";
  }

  start();
})();
