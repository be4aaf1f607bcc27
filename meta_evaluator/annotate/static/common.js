/* Shared by the annotator and status pages: token from the link, API calls, text-only DOM. */
"use strict";

const ME = (() => {
  const params = new URLSearchParams(location.hash.slice(1));
  let token = params.get("token");
  const key = "meta-evaluator-token:" + location.pathname;
  if (token) sessionStorage.setItem(key, token);
  else token = sessionStorage.getItem(key);

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, body) {
    const init = { headers: { "Authorization": "Bearer " + (token || "") }, cache: "no-store" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try { resp = await fetch(path, init); }
    catch (e) { throw new ApiError(0, "The server cannot be reached. Your confirmed labels are saved; retry when it is back."); }
    let data = {};
    try { data = await resp.json(); } catch (e) { data = {}; }
    if (!resp.ok) throw new ApiError(resp.status, data.error || ("HTTP " + resp.status));
    return data;
  }

  /* Build an element; children are nodes or strings (strings become text nodes, never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) node.append(typeof c === "string" ? document.createTextNode(c) : c);
    return node;
  }

  function showMessage(text, kind) {
    const box = document.getElementById("message");
    if (!text) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = text;
    box.className = "message " + (kind || "error");
    box.hidden = false;
  }

  return { api, el, showMessage, ApiError, hasToken: () => !!token };
})();
