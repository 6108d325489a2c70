// patchbay web UI: a single-page app over the JSON API at /api/v1.
//
// Safety rule for this file: data from the server or the user reaches the
// page only through textContent, form values and attributes set one at a
// time (see h below), never through HTML parsing. A recipe name or a
// response body therefore cannot inject markup, and the page's
// Content-Security-Policy (no inline script) backs that up.
(function () {
  "use strict";

  const TOKEN_KEY = "patchbay.token";
  const PAGE_SIZE = 25;
  const REFRESH_MS = 3000;
  const JOB_STATUSES = ["pending", "running", "succeeded", "failed"];
  // Keys the server adds to a recipe view; they are not part of the
  // document a user edits (the API ignores them on save, so showing them
  // would invite edits that silently do nothing). The page names them,
  // from the API's view type: this file keeps no list of its own.
  const SERVER_KEYS = metaList("patchbay-recipe-server-fields");
  // A connection's id is in its document but named by the URL of a save.
  const CONNECTION_EDIT_SKIP = ["id", ...metaList("patchbay-connection-server-fields")];

  // metaList reads a space-separated list from a <meta> of the page.
  function metaList(name) {
    const m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.content.split(/\s+/).filter(Boolean) : [];
  }

  // ---------------------------------------------------------------- DOM

  // h builds an element. props: "class", "text", "value", on<event>
  // handlers, and plain attributes (true means present, false/null absent).
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = String(v);
      else if (k === "value") el.value = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    return addKids(el, children);
  }

  // addKids appends nodes and strings (as text), flattening arrays and
  // skipping null, undefined and false so callers can write conditionals.
  function addKids(el, kids) {
    for (const c of kids.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // fill replaces an element's children; unlike replaceChildren it skips
  // null instead of writing "null".
  function fill(el, ...kids) {
    el.replaceChildren();
    return addKids(el, kids);
  }

  function byId(id) {
    return document.getElementById(id);
  }

  // link points at an in-app route; hrefs are only ever built here, from
  // encoded ids, so no server string can become a javascript: URL.
  function link(route, text, cls) {
    return h("a", { href: "#" + route, class: cls, text: text });
  }

  function enc(s) {
    return encodeURIComponent(String(s));
  }

  function button(text, onclick, cls) {
    return h("button", { type: "button", class: cls || "button", onclick: onclick, text: text });
  }

  const TONES = {
    started: "ok", succeeded: "ok", ok: "ok",
    stopped: "muted",
    pending: "wait", running: "busy",
    failed: "bad", error: "bad",
    // OAuth2 connection states
    connected: "ok", not_connected: "wait", needs_reauthorization: "bad",
    // polling and schedule trigger health
    failing: "bad", waiting: "wait", never_started: "muted",
  };

  function badge(status, label) {
    const s = String(status || "unknown");
    return h("span", { class: "badge badge-" + (TONES[s] || "muted"), text: label || s });
  }

  function loading() {
    return h("p", { class: "muted loading", text: "Loading…" });
  }

  // loadList reads a list answer's member key into the view's list slot:
  // the items, or null when the read failed (the slot is emptied and the
  // error shown) or the view is gone.
  async function loadList(v, list, path, key) {
    let data;
    try {
      data = await api("GET", path);
    } catch (e) {
      list.replaceChildren();
      v.fail(e);
      return null;
    }
    if (!v.alive) return null;
    return (data && data[key]) || [];
  }

  // ------------------------------------------------------------- format

  function fmtTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  function ago(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const s = Math.round((Date.now() - d.getTime()) / 1000);
    if (s < 5) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return d.toLocaleDateString();
  }

  function timeEl(iso, relative) {
    return h("time", { datetime: iso || null, title: iso ? fmtTime(iso) : null, text: relative ? ago(iso) : fmtTime(iso) });
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "—";
    ms = num(ms);
    if (isNaN(ms)) return "—";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    const m = Math.floor(ms / 60000);
    return m + " min " + Math.round((ms % 60000) / 1000) + " s";
  }

  function between(from, to) {
    if (!from || !to) return null;
    const d = new Date(to) - new Date(from);
    return isNaN(d) ? null : d;
  }

  function truncate(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  }

  // -------------------------------------------------------------- JSON

  // Response bodies must be shown exactly as recorded, but JSON.parse
  // rounds integers past 2^53 (order and account ids often are). Where the
  // browser supports JSON.rawJSON, numbers whose text would change are kept
  // as raw JSON, which JSON.stringify writes back verbatim; elsewhere this
  // falls back to plain JSON.parse.
  const lossless = typeof JSON.rawJSON === "function";

  function parseJSON(text) {
    if (!lossless) return JSON.parse(text);
    return JSON.parse(text, function (key, value, ctx) {
      if (typeof value === "number" && ctx && typeof ctx.source === "string" &&
          JSON.stringify(value) !== ctx.source) {
        return JSON.rawJSON(ctx.source);
      }
      return value;
    });
  }

  function isRaw(v) {
    return lossless && typeof JSON.isRawJSON === "function" && JSON.isRawJSON(v);
  }

  // num reads a number that parseJSON may have kept as raw JSON.
  function num(v) {
    return Number(isRaw(v) ? v.rawJSON : v);
  }

  // pretty renders a body for reading: JSON values indented, strings that
  // hold JSON indented too, other strings as they are.
  function pretty(v) {
    if (typeof v === "string") {
      const t = v.trim();
      if (t.startsWith("{") || t.startsWith("[")) {
        try {
          return JSON.stringify(parseJSON(t), null, 2);
        } catch (e) {
          // not JSON after all: show the text
        }
      }
      return v;
    }
    const s = JSON.stringify(v, null, 2);
    return s === undefined ? "" : s;
  }

  // scalarText writes one value on one line (header values, samples).
  function scalarText(v) {
    if (typeof v === "string") return v;
    const s = JSON.stringify(v);
    return s === undefined ? "" : s;
  }

  function isEmpty(v) {
    if (v === null || v === undefined || v === "") return true;
    if (isRaw(v)) return false;
    return typeof v === "object" && Object.keys(v).length === 0;
  }

  // ------------------------------------------------------------ clipboard

  // navigator.clipboard exists only on secure origins; a self-hosted
  // server on plain http inside a LAN is common, hence the fallback.
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (e) {
        // fall through to the selection trick
      }
    }
    const ta = h("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    ta.remove();
    return ok;
  }

  function flash(el, ok) {
    el.classList.remove("copied", "copy-failed");
    el.classList.add(ok ? "copied" : "copy-failed");
    setTimeout(() => el.classList.remove("copied", "copy-failed"), 1400);
  }

  function copyButton(text, label) {
    const b = button(label || "Copy", async (e) => {
      e.preventDefault();
      flash(b, await copyText(text));
    }, "button small copy");
    b.title = "Copy to clipboard";
    return b;
  }

  // ------------------------------------------------------------- token

  let memoryToken = ""; // used when localStorage is unavailable

  function getToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return memoryToken;
    }
  }

  function setToken(t) {
    memoryToken = t;
    try {
      if (t) localStorage.setItem(TOKEN_KEY, t);
      else localStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      // private mode: the token lasts for this tab only
    }
  }

  // --------------------------------------------------------------- API

  class APIError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details || [];
    }
  }

  let loginNotice = "";

  // etags remembers the ETag (the version) each single-document answer
  // came with; a save sends it back as If-Match, so a document changed
  // meanwhile by someone else is refused (412) rather than overwritten.
  const etags = new WeakMap();
  function ifMatch(doc) {
    const tag = doc && etags.get(doc);
    return tag ? { "If-Match": tag } : {};
  }

  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ Accept: "application/json", Authorization: "Bearer " + getToken() }, extraHeaders || {});
    const init = { method: method, headers: headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch("/api/v1" + path, init);
    } catch (e) {
      throw new APIError(0, "network", "Cannot reach the server (" + e.message + ").");
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = parseJSON(text);
      } catch (e) {
        data = null;
      }
    }
    const tag = res.headers.get("ETag");
    if (tag && data && typeof data === "object") etags.set(data, tag);
    if (!res.ok) {
      const e = (data && data.error) || {};
      const err = new APIError(res.status, e.code || "http_" + res.status,
        e.message || ("The server answered " + res.status + " " + res.statusText + "."),
        Array.isArray(e.details) ? e.details : []);
      if (res.status === 401) {
        setToken("");
        workspace = null;
        loginNotice = "The API token was not accepted. Sign in with a valid token.";
        route();
      }
      throw err;
    }
    return data;
  }

  // ------------------------------------------------------------- banner

  function showError(err) {
    const text = byId("banner-text");
    const lines = [h("strong", { text: (err && err.message) || String(err) })];
    for (const d of (err && err.details) || []) {
      lines.push(h("span", { class: "banner-detail", text: problemText(d) }));
    }
    fill(text, lines);
    byId("banner").hidden = false;
  }

  function hideBanner() {
    byId("banner").hidden = true;
    byId("banner-text").replaceChildren();
  }

  function problemText(d) {
    return d.path ? d.path + ": " + d.message : String(d.message);
  }

  // -------------------------------------------------------------- views

  // A view lives until the next route change. Async work checks v.alive
  // before touching the page, and timers die with the view.
  let current = null;

  function newView() {
    const v = { alive: true, timers: [], listeners: [] };
    v.fail = (err) => {
      if (v.alive) showError(err);
    };
    // poll runs fn every ms while the view is shown and the tab visible,
    // never twice at once, and at once when the tab becomes visible again.
    v.poll = (fn, ms) => {
      let busy = false;
      const tick = async () => {
        if (busy || !v.alive || document.visibilityState !== "visible") return;
        busy = true;
        try {
          await fn();
        } catch (e) {
          v.fail(e);
        } finally {
          busy = false;
        }
      };
      v.timers.push(setInterval(tick, ms));
      document.addEventListener("visibilitychange", tick);
      v.listeners.push(tick);
    };
    return v;
  }

  function leave(v) {
    v.alive = false;
    v.timers.forEach(clearInterval);
    v.listeners.forEach((l) => document.removeEventListener("visibilitychange", l));
  }

  function navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function route() {
    if (current) leave(current);
    const v = (current = newView());
    hideBanner();
    const main = byId("main");
    main.replaceChildren();
    window.scrollTo(0, 0);

    let parts;
    try {
      parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    } catch (e) {
      parts = ["?"];
    }
    if (parts[0] === "signout") {
      signOut();
      return;
    }
    if (!getToken()) {
      setChrome(false, "");
      loginView(v, main);
      return;
    }
    setChrome(true, parts[0] || "recipes");
    loadWorkspace();

    if (parts.length === 0 || (parts[0] === "recipes" && parts.length === 1)) return recipesView(v, main);
    if (parts[0] === "recipes" && parts[1] === "new" && parts.length === 2) return newRecipeView(v, main);
    if (parts[0] === "recipes" && parts.length === 2) return recipeView(v, main, parts[1]);
    if (parts[0] === "jobs" && parts.length === 2) return jobView(v, main, parts[1]);
    if (parts[0] === "connections" && parts.length === 1) return connectionsView(v, main);
    if (parts[0] === "tokens" && parts.length === 1) return tokensView(v, main);
    document.title = "Not found · patchbay";
    main.append(h("h1", { text: "Not found" }),
      h("p", {}, "Nothing lives at this address. ", link("/recipes", "Go to recipes"), "."));
  }

  function setChrome(signedIn, section) {
    byId("nav").hidden = !signedIn;
    byId("account").hidden = !signedIn;
    for (const a of byId("nav").querySelectorAll("a")) {
      const here = a.dataset.section === section || (section === "jobs" && a.dataset.section === "recipes");
      if (here) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  let workspace = null;

  async function loadWorkspace() {
    if (workspace) return;
    workspace = {};
    try {
      workspace = (await api("GET", "/workspace")) || {};
      byId("workspace-name").textContent = workspace.name || "";
    } catch (e) {
      workspace = null; // try again on the next route
    }
  }

  function signOut() {
    setToken("");
    workspace = null;
    byId("workspace-name").textContent = "";
    loginNotice = "";
    history.replaceState(null, "", "#/recipes");
    route();
  }

  // --------------------------------------------------------- API tokens

  // tokensView lists the API tokens (never the tokens themselves: only
  // their hashes are kept), creates one, shown once, and revokes one.
  async function tokensView(v, main) {
    document.title = "API tokens · patchbay";
    const nameInput = h("input", { type: "text", id: "token-name", name: "name", autocomplete: "off", maxlength: "100" });
    const created = h("div", { class: "token-created", "aria-live": "polite" });
    const list = h("div", {}, loading());
    const createBtn = h("button", { type: "submit", class: "button primary", text: "Create token" });
    const form = h("form", { class: "token-form" },
      h("label", { for: "token-name", text: "Token name" }), nameInput, createBtn);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      createBtn.disabled = true;
      try {
        const t = await api("POST", "/tokens", { name: nameInput.value.trim() });
        if (!v.alive) return;
        nameInput.value = "";
        fill(created, h("section", { class: "panel" },
          h("h2", { text: "Token " + t.name + " created" }),
          h("p", { class: "muted small", text: "Copy it now: it is shown once, and only its hash is kept." }),
          copyable(t.token, "token-value")));
        await load();
      } catch (err) {
        v.fail(err);
      } finally {
        createBtn.disabled = false;
      }
    });
    main.append(h("div", { class: "page-head" }, h("h1", { text: "API tokens" })),
      h("p", { class: "muted", text: "A token lets a script, the command line or this page call the API. A revoked token is refused by every server within 5 seconds." }),
      form, created, list);

    async function load() {
      const tokens = await loadList(v, list, "/tokens", "tokens");
      if (!tokens) return;
      if (tokens.length === 0) {
        fill(list, h("div", { class: "empty" }, h("p", { text: "No API tokens." })));
        return;
      }
      fill(list, h("div", { class: "table-wrap" }, h("table", { class: "table tokens" },
        h("thead", {}, h("tr", {}, ["Name", "Created", "Last used", ""].map((c) => h("th", { text: c })))),
        h("tbody", {}, tokens.map((t) => h("tr", { class: "token", "data-token": t.name },
          h("td", { text: t.name }),
          h("td", {}, timeEl(t.created_at)),
          h("td", {}, t.last_used_at ? timeEl(t.last_used_at, true) : "never"),
          h("td", {}, button("Revoke", async () => {
            if (!confirm("Revoke the API token \u201c" + t.name + "\u201d? Whatever uses it stops working.")) return;
            try {
              await api("DELETE", "/tokens/" + enc(t.id));
              if (v.alive) await load();
            } catch (e) {
              v.fail(e);
            }
          }, "button small danger"))))))));
    }
    await load();
  }

  // -------------------------------------------------------------- login

  function loginView(v, main) {
    document.title = "Sign in · patchbay";
    const input = h("input", {
      type: "password", id: "token", name: "token", autocomplete: "off",
      spellcheck: "false", required: true, placeholder: "API token",
    });
    const error = h("p", { class: "error", text: loginNotice, hidden: !loginNotice });
    loginNotice = "";
    const submit = h("button", { type: "submit", class: "button primary", text: "Sign in" });
    const form = h("form", {
      class: "login-form",
      // Never GET: a submit that bypasses the handler (form.submit() from
      // a script or an extension) would put the token in the URL, and so
      // in history and access logs.
      method: "post",
      onsubmit: async (e) => {
        e.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        setToken(t);
        submit.disabled = true;
        try {
          workspace = (await api("GET", "/workspace")) || {};
          byId("workspace-name").textContent = workspace.name || "";
          route();
        } catch (err) {
          if (err.status === 401) return; // api() already showed the sign-in again
          setToken("");
          if (v.alive) {
            error.textContent = err.message;
            error.hidden = false;
            submit.disabled = false;
          }
        }
      },
    },
    h("label", { for: "token", text: "API token" }), input, submit);
    main.append(h("section", { class: "card login" },
      h("h1", { text: "Sign in" }),
      h("p", {}, "Paste an API token. Create one on the server with ", h("code", { text: "patchbay token create" }), "."),
      h("p", { class: "muted small", text: "The token is kept in this browser's local storage until you sign out." }),
      error, form));
    input.focus();
  }

  // ------------------------------------------------------------ editor

  // jsonEditor is a textarea holding a JSON document, with the problems a
  // save returned listed beside it as "path: message" lines.
  function jsonEditor(v, opts) {
    const problems = h("ul", { class: "problems", hidden: true, "aria-live": "polite" });
    const ta = h("textarea", {
      class: "code editor-text", spellcheck: "false", autocomplete: "off",
      rows: opts.rows || 24, "aria-label": opts.label || "JSON document",
    });
    ta.value = opts.value || "";
    const status = h("span", { class: "editor-status muted" });
    const save = h("button", { type: "button", class: "button primary", text: opts.saveLabel || "Save" });
    let clean = ta.value;

    function setStatus(text, tone) {
      status.textContent = text || "";
      status.className = "editor-status " + (tone || "muted");
    }
    function showProblems(list) {
      fill(problems, list.map((d) => h("li", {},
        d.path ? h("code", { text: d.path }) : null, d.path ? ": " : null, String(d.message))));
      problems.hidden = list.length === 0;
    }
    async function doSave() {
      let doc;
      try {
        doc = parseJSON(ta.value);
      } catch (e) {
        showProblems([{ path: "", message: "Not valid JSON: " + e.message }]);
        setStatus("Not saved", "bad");
        return;
      }
      save.disabled = true;
      setStatus("Saving…");
      try {
        await opts.onSave(doc);
        if (!v.alive) return;
        showProblems([]);
        clean = ta.value;
        setStatus("Saved", "ok");
      } catch (e) {
        if (!v.alive) return;
        if (e.details && e.details.length) {
          showProblems(e.details);
          setStatus(e.message, "bad");
        } else if (e.status === 412) {
          // Someone saved the document since this page read it.
          showProblems([{ path: "", message: "This document was changed since you opened it (someone else saved it). " +
            "Reload the page to see the current version, then make your change again." }]);
          setStatus("Not saved", "bad");
        } else if (e.status === 422 || e.status === 400) {
          showProblems([{ path: "", message: e.message }]);
          setStatus("Not saved", "bad");
        } else {
          setStatus("Not saved", "bad");
          v.fail(e);
        }
      } finally {
        save.disabled = false;
      }
    }
    save.addEventListener("click", doSave);
    ta.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === "s") {
        e.preventDefault();
        doSave();
      }
    });
    ta.addEventListener("input", () => setStatus(ta.value === clean ? "" : "Unsaved changes"));
    const format = button("Format", () => {
      try {
        ta.value = JSON.stringify(parseJSON(ta.value), null, 2);
        showProblems([]);
        setStatus(ta.value === clean ? "" : "Unsaved changes");
      } catch (e) {
        showProblems([{ path: "", message: "Not valid JSON: " + e.message }]);
      }
    });
    const bar = h("div", { class: "editor-bar" }, save, format, opts.extra || null, status);
    return {
      el: h("div", { class: "editor" }, problems, ta, bar),
      set(text) {
        ta.value = text;
        clean = text;
      },
      showProblems: showProblems,
      setStatus: setStatus,
    };
  }

  // ------------------------------------------------------------ recipes

  // triggerText sums a trigger up in a few words for lists and headings.
  function triggerText(t) {
    if (!t || !t.type) return "—";
    if (t.type === "polling") {
      return "polls " + (t.url || "?") + (t.connection ? " via " + t.connection : "") +
        " every " + durationText(t.interval || "5m");
    }
    if (t.type === "schedule") {
      if (t.cron) return "cron " + t.cron + " in " + (t.timezone || "UTC");
      return "every " + durationText(t.every);
    }
    return t.event ? t.type + " · " + t.event : t.type;
  }

  // durationText shortens Go's durations for reading: the API writes
  // "5m0s" and "1h0m0s", people write "5m" and "1h". A bare number is
  // seconds, as the API also accepts.
  function durationText(d) {
    if (d === undefined || d === null || d === "") return "?";
    if (typeof d === "number") return d + "s";
    return String(d).replace(/([hm])0s$/, "$1").replace(/h0m$/, "h");
  }

  function copyableURL(url) {
    if (!url) return h("span", { class: "muted", text: "—" });
    return copyable(url, "url");
  }

  // copyable shows a value to copy (a URL, a token) beside its Copy button.
  function copyable(text, cls) {
    return h("div", { class: "copyable" }, h("code", { class: cls, text: text }), copyButton(text));
  }

  async function recipesView(v, main) {
    document.title = "Recipes · patchbay";
    const list = h("div", {}, loading());
    main.append(h("div", { class: "page-head" },
      h("h1", { text: "Recipes" }),
      h("div", { class: "actions" }, link("/recipes/new", "New recipe", "button primary"))), list);
    const recipes = await loadList(v, list, "/recipes", "recipes");
    if (!recipes) return;
    if (recipes.length === 0) {
      fill(list, h("div", { class: "empty" },
        h("p", { text: "No recipes yet." }),
        h("p", { class: "muted", text: "A recipe waits for a trigger (a webhook, or a manual test) and then makes HTTP requests with its data." }),
        link("/recipes/new", "Create a recipe", "button primary")));
      return;
    }
    const rows = recipes.map((r) => h("tr", {},
      h("td", {}, link("/recipes/" + enc(r.id), r.name || r.id, "strong")),
      h("td", { text: triggerText(r.trigger) }),
      h("td", {}, badge(r.state)),
      h("td", {}, copyableURL(r.webhook_url)),
      h("td", { class: "nowrap" }, timeEl(r.updated_at || r.created_at, true))));
    fill(list, h("div", { class: "table-wrap" }, h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Name", "Trigger", "State", "Webhook URL", "Updated"].map((t) => h("th", { text: t })))),
      h("tbody", {}, rows))));
  }

  const NEW_RECIPE = {
    name: "New recipe",
    trigger: {
      type: "webhook",
      event: "new_event",
      payload_type: "json",
      payload_example: "{\"id\": \"1\", \"api_url\": \"https://example.com/orders/1\"}",
    },
    steps: [{
      id: "get_order",
      name: "Get order",
      action: "http_request",
      method: "GET",
      url: "{{trigger.api_url}}",
      headers: { Accept: "application/json" },
      body_type: "none",
      response_type: "json",
      response_example: "{\"id\": \"1\", \"email\": \"a@example.com\"}",
    }],
  };

  function newRecipeView(v, main) {
    document.title = "New recipe · patchbay";
    const editor = jsonEditor(v, {
      value: JSON.stringify(NEW_RECIPE, null, 2),
      saveLabel: "Create recipe",
      label: "New recipe document",
      onSave: async (doc) => {
        const r = await api("POST", "/recipes", doc);
        if (v.alive && r && r.id) navigate("#/recipes/" + enc(r.id));
      },
    });
    main.append(
      h("nav", { class: "crumbs" }, link("/recipes", "Recipes"), " / "),
      h("div", { class: "page-head" }, h("h1", { text: "New recipe" })),
      h("p", { class: "muted" }, "Write the recipe document as JSON. Pills such as ",
        h("code", { text: "{{trigger.api_url}}" }), " map data from the trigger and earlier steps."),
      h("section", { class: "panel" }, editor.el));
  }

  // editableDoc is a view without the fields the server adds (serverKeys,
  // the recipe's unless given), as the editor shows it.
  function editableDoc(view, serverKeys) {
    const skip = serverKeys || SERVER_KEYS;
    return JSON.stringify(Object.fromEntries(Object.entries(view).filter(([k]) => !skip.includes(k))), null, 2);
  }

  async function recipeView(v, main, id) {
    document.title = "Recipe · patchbay";
    main.append(loading());
    let r;
    try {
      r = await api("GET", "/recipes/" + enc(id));
    } catch (e) {
      fill(main, h("nav", { class: "crumbs" }, link("/recipes", "Recipes"), " / "));
      return v.fail(e);
    }
    if (!v.alive) return;
    main.replaceChildren();

    const title = h("h1");
    const stateSlot = h("span");
    const toggle = h("button", { type: "button", class: "button" });
    const meta = h("p", { class: "meta muted" });
    const webhook = h("div", { class: "webhook" });
    const treeSlot = h("div", { class: "datatree" });
    const testNotice = h("div", { class: "notice", hidden: true, "aria-live": "polite" });

    function paint() {
      document.title = (r.name || "Recipe") + " · patchbay";
      title.textContent = r.name || "(unnamed recipe)";
      fill(stateSlot, badge(r.state));
      toggle.textContent = r.state === "started" ? "Stop" : "Start";
      toggle.className = r.state === "started" ? "button" : "button primary";
      const t = r.trigger || {};
      fill(meta, "Trigger: " + triggerText(t) + (t.payload_type ? " · " + t.payload_type + " payload" : "") +
        " · " + ((r.steps && r.steps.length) || 0) + " step(s) · updated ", timeEl(r.updated_at, true));
      webhook.hidden = !r.webhook_url;
      if (r.webhook_url) {
        fill(webhook, h("span", { class: "label", text: "Webhook URL" }), copyableURL(r.webhook_url));
      }
      fill(treeSlot, datatreeEl(r));
    }

    toggle.addEventListener("click", async () => {
      const action = r.state === "started" ? "stop" : "start";
      toggle.disabled = true;
      try {
        const upd = await api("POST", "/recipes/" + enc(id) + "/" + action);
        r.state = (upd && upd.state) || (action === "start" ? "started" : "stopped");
        // Starting and stopping are writes too: a later save names this version.
        if (upd && etags.get(upd)) etags.set(r, etags.get(upd));
        if (!v.alive) return;
        paint();
        if (health && upd) health.update(upd);
      } catch (e) {
        v.fail(e);
      } finally {
        toggle.disabled = false;
      }
    });

    const payloadText = h("textarea", {
      class: "code", rows: 6, spellcheck: "false", "aria-label": "Test payload",
      placeholder: "{\"api_url\": \"https://…\"}",
    });
    const testBtn = button("Test recipe", async () => {
      let body;
      const raw = payloadText.value.trim();
      if (raw) {
        try {
          body = { payload: parseJSON(raw) };
        } catch (e) {
          body = { payload: raw }; // XML, form or query text goes as a string
        }
      }
      testBtn.disabled = true;
      testBtn.textContent = "Testing…";
      testNotice.hidden = true;
      try {
        const job = await api("POST", "/recipes/" + enc(id) + "/test", body);
        if (!v.alive) return;
        fill(testNotice, "Test job ", badge(job.status), " ",
          link("/jobs/" + enc(job.id), "Open job " + job.id));
        testNotice.hidden = false;
        jobs.refresh();
      } catch (e) {
        v.fail(e);
      } finally {
        testBtn.disabled = false;
        testBtn.textContent = "Test recipe";
      }
    }, "button");

    const del = button("Delete", async () => {
      if (!confirm("Delete the recipe \u201c" + (r.name || id) + "\u201d? This cannot be undone.")) return;
      try {
        await api("DELETE", "/recipes/" + enc(id), undefined, ifMatch(r));
        navigate("#/recipes");
      } catch (e) {
        v.fail(e);
      }
    }, "button danger");

    const editor = jsonEditor(v, {
      value: editableDoc(r),
      label: "Recipe document",
      onSave: async (doc) => {
        await api("PUT", "/recipes/" + enc(id), doc, ifMatch(r));
        // The datatree, webhook URL and state come only with GET.
        const fresh = await api("GET", "/recipes/" + enc(id));
        if (!v.alive) return;
        r = fresh;
        editor.set(editableDoc(r));
        paint();
        if (health) health.update(r);
      },
    });

    const jobs = jobsPanel(v, id);
    // Polling and schedule recipes show how their trigger is doing; manual
    // ones get a form to run them (sections "trigger health" and "manual
    // run" below). A trigger type changed in the editor shows on reload.
    const triggerType = (r.trigger && r.trigger.type) || "";
    const health = hasTriggerHealth(triggerType) ? triggerPanel(v, id, r) : null;
    const run = triggerType === "manual" ? runPanel(v, id, jobs.refresh) : null;

    // addKids, not append: the trigger and run panels may be null.
    addKids(main, [
      h("nav", { class: "crumbs" }, link("/recipes", "Recipes"), " / "),
      h("div", { class: "page-head" },
        h("div", { class: "title" }, title, stateSlot),
        h("div", { class: "actions" }, toggle, testBtn, del)),
      meta,
      webhook,
      h("details", { class: "test-payload" },
        h("summary", { text: "Test with a custom payload" }),
        h("p", { class: "muted small", text: "Leave empty to run from the trigger's payload example." }),
        payloadText),
      testNotice,
      health ? health.el : null,
      run,
      h("div", { class: "columns" },
        h("section", { class: "panel" },
          h("h2", { text: "Recipe document" }),
          h("p", { class: "muted small" }, "JSON. Save with the button or ", h("kbd", { text: "Ctrl" }), "+", h("kbd", { text: "S" }), "."),
          editor.el),
        h("section", { class: "panel" },
          h("h2", { text: "Datatree" }),
          h("p", { class: "muted small", text: "Click a pill to copy it, then paste it into a step's URL, headers or body." }),
          treeSlot)),
      jobs.el]);
    paint();
  }

  // ------------------------------------------------------ trigger health

  // Polling and schedule recipes carry trigger_health in their view:
  // {status, next_run_at, cursor, seen_records, last}, where last is the
  // last run and, once a poll has failed, last.last_failure with the
  // failing request and response.

  const HEALTH_LABELS = {
    ok: "ok", failing: "failing", waiting: "waiting", stopped: "stopped", never_started: "never started",
  };

  function hasTriggerHealth(type) {
    return type === "polling" || type === "schedule";
  }

  // triggerPanel shows a recipe's trigger health and refreshes it like
  // the jobs panel. update(recipe) repaints from a recipe view the page
  // already has (after start, stop or save).
  function triggerPanel(v, recipeID, recipe) {
    const statusSlot = h("span");
    const body = h("div");
    let shown = null; // the health last painted, as JSON

    function update(r) {
      const th = r.trigger_health || { status: "never_started" };
      const key = JSON.stringify([r.trigger, th]);
      if (key === shown) return; // keeps scroll and selection in the bodies
      shown = key;
      fill(statusSlot, badge(th.status, HEALTH_LABELS[th.status] || th.status));
      fill(body, healthFacts(r.trigger || {}, th), failureBlock(th));
    }

    async function refresh() {
      const r = await api("GET", "/recipes/" + enc(recipeID));
      if (v.alive && r) update(r);
    }

    update(recipe);
    v.poll(refresh, REFRESH_MS);
    return {
      el: h("section", { class: "panel trigger-panel" },
        h("div", { class: "panel-head" },
          h("div", { class: "title" }, h("h2", { text: "Trigger" }), statusSlot),
          h("span", { class: "muted small", text: "Refreshes every 3 s" })),
        body),
      update: update,
    };
  }

  function healthFacts(t, th) {
    const last = th.last || {};
    const facts = [
      ["Next run", th.next_run_at ? timeEl(th.next_run_at) : (th.status === "stopped" ? "stopped" : "—")],
      ["Last run", last.last_run_at ? timeEl(last.last_run_at) : "never"],
    ];
    if (t.type === "polling") {
      facts.push(
        ["Cursor", th.cursor ? h("code", { text: th.cursor }) : "—"],
        ["Records remembered", th.seen_records === undefined || th.seen_records === null ? "—" : String(th.seen_records)],
        ["Last poll found", !last.last_run_at ? "—" : th.status === "failing" ? "— (it failed)" : pollFound(last)]);
    }
    if (last.schedule) facts.push(["Schedule", last.schedule]);
    if (last.consecutive_failures) facts.push(["Failures in a row", String(last.consecutive_failures)]);
    return h("dl", { class: "facts" }, facts.map(([k, val]) => h("div", {}, h("dt", { text: k }), h("dd", {}, val))));
  }

  function pollFound(last) {
    const n = last.records || 0;
    const pages = last.pages || 0;
    // records counts what the poll listed, new or seen before.
    return n + (n === 1 ? " record" : " records") +
      (pages ? " in " + pages + (pages === 1 ? " page" : " pages") : "") +
      (last.truncated ? " (more pages: the next poll goes on from there)" : "");
  }

  // failureBlock shows the last failed poll: while the trigger fails it
  // is the reason; after a recovery it stays, marked as such, so the
  // user can still see what happened.
  function failureBlock(th) {
    const f = th.last && th.last.last_failure;
    if (!f) return null;
    const title = th.status === "failing" ? "The last poll failed" : "Last failure (recovered since)";
    return h("div", { class: "trigger-failure" },
      h("h3", {}, title, " ", h("span", { class: "muted small" }, "at ", timeEl(f.at))),
      h("pre", { class: "error-box", text: (f.stage ? "stage " + f.stage + ": " : "") + errorText(f.error) }),
      h("div", { class: "exchange" },
        h("div", { class: "exchange-request" }, h("h4", { text: "Request" }), requestBlock(f.request)),
        h("div", { class: "exchange-response" }, h("h4", { text: "Response" }), responseBlock(f.response))));
  }

  // ---------------------------------------------------------- manual run

  // runPanel starts one job of a manual recipe with a JSON body as the
  // trigger output (POST /recipes/{id}/run) and links to it.
  function runPanel(v, recipeID, onJob) {
    const input = h("textarea", {
      class: "code", rows: 5, spellcheck: "false", "aria-label": "Run input",
      placeholder: "{\"key\": \"value\"}",
    });
    const result = h("div", { class: "run-result", "aria-live": "polite" });
    const run = button("Run", async () => {
      let body; // none: the server runs with {}
      const raw = input.value.trim();
      if (raw) {
        try {
          body = parseJSON(raw);
        } catch (e) {
          fill(result, h("p", { class: "error small", text: "Not valid JSON: " + e.message }));
          return;
        }
      }
      run.disabled = true;
      fill(result, h("span", { class: "muted small", text: "Starting…" }));
      try {
        const job = await api("POST", "/recipes/" + enc(recipeID) + "/run", body);
        if (!v.alive) return;
        fill(result, h("p", { class: "notice" }, "Started job ", badge(job.status), " ",
          link("/jobs/" + enc(job.id), "Open job " + job.id)));
        onJob();
      } catch (e) {
        if (v.alive) fill(result, h("p", { class: "error small", text: e.message }));
      } finally {
        run.disabled = false;
      }
    }, "button primary");
    return h("section", { class: "panel run-panel" },
      h("h2", { text: "Run" }),
      h("p", { class: "muted small", text: "Start one job with this JSON as the trigger output (empty means {}). The recipe must be started." }),
      input,
      h("div", { class: "editor-bar" }, run),
      result);
  }

  // ----------------------------------------------------------- datatree

  // keySegment writes a field the way pills do: dotted when the name is an
  // identifier, quoted in brackets otherwise.
  function keySegment(name) {
    return /^[\p{L}_$][\p{L}\p{Nd}_$]*$/u.test(name) ? "." + name : "[" + JSON.stringify(name) + "]";
  }

  // segmentFor is what a field adds to its parent's pill. Field paths are
  // dotted with "[]" for list items ("attendees[].email"); the part after
  // the parent's path says how many lists were entered (each becomes [0])
  // and whether a key follows. The key itself comes from field.name, which
  // is exact even when a key contains a dot.
  function segmentFor(parent, f) {
    const base = parent ? String(parent.path || "") : "";
    const path = String(f.path || "");
    let rest = path.startsWith(base) ? path.slice(base.length) : null;
    let lists = 0;
    let hasKey = f.name !== "[]";
    if (rest !== null) {
      if (rest.startsWith(".")) rest = rest.slice(1);
      while (rest.startsWith("[]")) {
        lists++;
        rest = rest.slice(2);
      }
      if (rest.startsWith(".")) rest = rest.slice(1);
      hasKey = rest !== "";
    } else if (parent && parent.type === "list") {
      lists = 1;
    }
    return "[0]".repeat(lists) + (hasKey ? keySegment(String(f.name)) : "");
  }

  function typeText(f) {
    let t = f.type || "";
    if (f.of) t += " of " + f.of;
    if (f.format) t += " · " + f.format;
    return t;
  }

  function pillButton(pill) {
    const text = "{{" + pill + "}}";
    const b = h("button", { type: "button", class: "pill", title: "Copy " + text, text: text });
    b.addEventListener("click", async (e) => {
      // Inside <summary> a click would also fold the branch.
      e.preventDefault();
      e.stopPropagation();
      flash(b, await copyText(text));
    });
    return b;
  }

  function treeList(base, parent, fields, depth) {
    const ul = h("ul", { class: "tree" });
    for (const f of fields) {
      if (!f) continue;
      const pill = base + segmentFor(parent, f);
      const kids = Array.isArray(f.fields) && f.fields.length ? f.fields : null;
      const label = [
        h("span", { class: "fname", text: f.name === "[]" ? "item" : f.name }),
        h("span", { class: "ftype", text: typeText(f) }),
        f.optional ? h("span", { class: "ftag", text: "optional" }) : null,
      ];
      if (kids) {
        ul.append(h("li", {}, h("details", { open: depth < 2 },
          h("summary", {}, label, pillButton(pill)),
          treeList(pill, f, kids, depth + 1))));
      } else {
        const has = f.sample !== undefined && f.sample !== null;
        const sample = has ? scalarText(typeof f.sample === "string" ? JSON.stringify(f.sample) : f.sample) : "";
        ul.append(h("li", {}, h("div", { class: "leaf" }, label, pillButton(pill),
          has ? h("span", { class: "sample", title: sample, text: truncate(sample, 60) }) : null)));
      }
    }
    return ul;
  }

  function treeSection(title, sub, base, fields) {
    return h("div", { class: "tree-section" },
      h("h3", {}, title, sub ? h("span", { class: "muted mono small", text: " " + sub }) : null),
      Array.isArray(fields) && fields.length
        ? treeList(base, null, fields, 0)
        : h("p", { class: "muted small", text: "No fields yet: add an example to build this tree." }));
  }

  function datatreeEl(r) {
    const dt = r.datatree || {};
    const stepsTree = dt.steps || {};
    const out = [treeSection("Trigger", (r.trigger && r.trigger.type) || "", "trigger", dt.trigger)];
    const seen = new Set();
    for (const s of Array.isArray(r.steps) ? r.steps : []) {
      if (!s || !s.id) continue;
      seen.add(s.id);
      out.push(treeSection(s.name || s.id, s.name ? s.id : "", "steps" + keySegment(s.id), stepsTree[s.id]));
    }
    for (const [sid, fields] of Object.entries(stepsTree)) {
      if (!seen.has(sid)) out.push(treeSection(sid, "", "steps" + keySegment(sid), fields));
    }
    return out;
  }

  // --------------------------------------------------------------- jobs

  // jobsPanel lists a recipe's jobs newest first, refreshing every few
  // seconds while the tab is visible. Until "Load more" is used the first
  // page is simply replaced; after it, fresh rows are merged by id so the
  // older pages the user asked for stay.
  function jobsPanel(v, recipeID) {
    const st = { status: "", jobs: [], cursor: null, more: false };
    const select = h("select", { "aria-label": "Status" },
      h("option", { value: "", text: "All statuses" }),
      JOB_STATUSES.map((s) => h("option", { value: s, text: s })));
    const tbody = h("tbody");
    const table = h("table", { class: "table" },
      h("thead", {}, h("tr", {}, ["Status", "Job", "Created", "Duration", ""].map((t) => h("th", { text: t })))),
      tbody);
    const wrap = h("div", { class: "table-wrap" }, table);
    const empty = h("p", { class: "muted", text: "No jobs yet.", hidden: true });
    const moreBtn = button("Load more", async () => {
      moreBtn.disabled = true;
      try {
        const status = st.status;
        const page = await fetchPage(st.cursor);
        if (!v.alive || status !== st.status) return;
        const have = new Set(st.jobs.map((j) => j.id));
        st.jobs = st.jobs.concat((page.jobs || []).filter((j) => !have.has(j.id)));
        st.cursor = page.next_cursor || null;
        st.more = true;
        paint();
      } catch (e) {
        v.fail(e);
      } finally {
        moreBtn.disabled = false;
      }
    }, "button");

    function fetchPage(cursor) {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (st.status) q.set("status", st.status);
      if (cursor) q.set("cursor", cursor);
      return api("GET", "/recipes/" + enc(recipeID) + "/jobs?" + q.toString()).then((d) => d || {});
    }

    function paint() {
      fill(tbody, st.jobs.map((j) => h("tr", {},
        h("td", {}, badge(j.status)),
        h("td", {}, link("/jobs/" + enc(j.id), j.id, "mono")),
        h("td", { class: "nowrap" }, timeEl(j.created_at, true)),
        h("td", { class: "nowrap", text: j.finished_at ? fmtMs(between(j.started_at || j.created_at, j.finished_at)) : "—" }),
        h("td", { class: "error-cell" }, j.error ? h("span", { class: "error", title: scalarText(j.error), text: truncate(scalarText(j.error), 80) }) : null))));
      wrap.hidden = st.jobs.length === 0;
      empty.hidden = st.jobs.length !== 0;
      empty.textContent = st.status ? "No " + st.status + " jobs." : "No jobs yet.";
      moreBtn.hidden = !st.cursor;
    }

    async function refresh() {
      const status = st.status;
      const page = await fetchPage(null);
      if (!v.alive || status !== st.status) return;
      const fresh = page.jobs || [];
      if (st.more) {
        const ids = new Set(fresh.map((j) => j.id));
        st.jobs = fresh.concat(st.jobs.filter((j) => !ids.has(j.id)));
      } else {
        st.jobs = fresh;
        st.cursor = page.next_cursor || null;
      }
      paint();
    }

    select.addEventListener("change", () => {
      st.status = select.value;
      st.jobs = [];
      st.cursor = null;
      st.more = false;
      paint();
      refresh().catch(v.fail);
    });

    paint();
    empty.hidden = true; // until the first page answers
    refresh().catch(v.fail);
    v.poll(refresh, REFRESH_MS);

    return {
      el: h("section", { class: "panel" },
        h("div", { class: "panel-head" },
          h("h2", { text: "Jobs" }),
          h("div", { class: "actions" }, select, h("span", { class: "muted small", text: "Refreshes every 3 s" }))),
        wrap, empty, h("div", { class: "more" }, moreBtn)),
      refresh: () => refresh().catch(v.fail),
    };
  }

  function headersTable(hdrs) {
    const rows = [];
    for (const [k, val] of Object.entries(hdrs && typeof hdrs === "object" ? hdrs : {})) {
      for (const one of Array.isArray(val) ? val : [val]) {
        rows.push(h("tr", {}, h("th", { text: k }), h("td", { text: scalarText(one) })));
      }
    }
    if (rows.length === 0) return h("p", { class: "muted small", text: "No headers." });
    return h("table", { class: "table headers" }, h("tbody", {}, rows));
  }

  function bodyBlock(body) {
    if (isEmpty(body)) return h("p", { class: "muted small", text: "No body." });
    return h("pre", { class: "code body", text: pretty(body) });
  }

  // requestBlock shows a recorded request (a step's input, a failed
  // poll's request): method and URL, headers, body.
  function requestBlock(inp) {
    if (!inp) return [h("p", { class: "muted", text: "No request was sent." })];
    return [
      h("p", { class: "reqline" }, h("span", { class: "method", text: inp.method || "" }), h("code", { class: "url", text: inp.url || "" })),
      h("h4", { text: "Headers" }), headersTable(inp.headers),
      h("h4", { text: "Body" }), bodyBlock(inp.body),
    ];
  }

  // responseBlock shows a recorded response: status, headers, body.
  function responseBlock(out) {
    if (!out) return [h("p", { class: "muted", text: "No response was received." })];
    return [
      h("p", { class: "reqline" }, h("span", { class: "label", text: "Status" }),
        h("span", { class: "status-code tone-" + statusTone(out.status), text: scalarText(out.status) })),
      h("h4", { text: "Headers" }), headersTable(out.headers),
      h("h4", { text: "Body" }), bodyBlock(out.body),
    ];
  }

  function errorText(err) {
    if (!err) return "";
    if (typeof err === "string") return err;
    if (err.message) return (err.code ? err.code + ": " : "") + err.message;
    return scalarText(err);
  }

  function statusTone(code) {
    const n = num(code);
    if (n >= 200 && n < 300) return "ok";
    if (n >= 300 && n < 400) return "muted";
    return "bad";
  }

  function stepCard(s, i, name, tabs) {
    const key = s.id || String(i);
    const hasOutput = !!s.output;
    let tab = tabs[key] || (hasOutput ? "output" : "input");
    const panel = h("div", { class: "tab-panel", role: "tabpanel" });
    const tInput = h("button", { type: "button", class: "tab", role: "tab", text: "Input" });
    const tOutput = h("button", { type: "button", class: "tab", role: "tab", text: "Output" });

    function show(which) {
      tab = tabs[key] = which;
      tInput.setAttribute("aria-selected", String(which === "input"));
      tOutput.setAttribute("aria-selected", String(which === "output"));
      fill(panel, which === "input" ? requestBlock(s.input) : responseBlock(s.output));
    }
    tInput.addEventListener("click", () => show("input"));
    tOutput.addEventListener("click", () => show("output"));
    show(tab);

    const attempts = s.attempts === undefined ? null : s.attempts + (s.attempts === 1 ? " attempt" : " attempts");
    return h("article", { class: "step" },
      h("header", { class: "step-head" },
        h("h3", {}, h("span", { class: "step-num", text: String(i + 1) }), name || s.id || "step",
          name && s.id && name !== s.id ? h("span", { class: "muted mono small", text: " " + s.id }) : null),
        h("div", { class: "step-meta" }, badge(s.status),
          attempts ? h("span", { class: "muted small", text: attempts }) : null,
          s.duration_ms !== undefined && s.duration_ms !== null ? h("span", { class: "muted small", text: fmtMs(s.duration_ms) }) : null)),
      s.error ? h("pre", { class: "error-box", text: errorText(s.error) }) : null,
      h("div", { class: "tabs", role: "tablist" }, tInput, tOutput),
      panel);
  }

  async function jobView(v, main, id) {
    document.title = "Job · patchbay";
    main.append(loading());
    const tabs = {}; // chosen tab per step, kept across refreshes
    let job = null;
    let recipe = null;

    async function load() {
      job = await api("GET", "/jobs/" + enc(id));
      if (v.alive) paint();
    }

    function paint() {
      document.title = "Job " + job.status + " · patchbay";
      const names = {};
      for (const s of (recipe && recipe.steps) || []) if (s && s.id) names[s.id] = s.name || "";
      const rerun = button("Rerun", async () => {
        rerun.disabled = true;
        try {
          const j = await api("POST", "/jobs/" + enc(id) + "/rerun");
          if (v.alive && j && j.id) navigate("#/jobs/" + enc(j.id));
        } catch (e) {
          v.fail(e);
          rerun.disabled = false;
        }
      }, "button primary");
      rerun.title = "Run the recipe again from this job's trigger output";
      const steps = Array.isArray(job.steps) ? job.steps : [];
      const facts = [
        ["Status", badge(job.status)],
        ["Created", timeEl(job.created_at)],
        ["Started", timeEl(job.started_at)],
        ["Finished", timeEl(job.finished_at)],
        ["Duration", fmtMs(between(job.started_at, job.finished_at))],
        ["Waited", fmtMs(between(job.created_at, job.started_at))],
      ];
      fill(main,
        h("nav", { class: "crumbs" }, link("/recipes", "Recipes"), " / ",
          job.recipe_id ? link("/recipes/" + enc(job.recipe_id), (recipe && recipe.name) || "Recipe") : null, " / "),
        h("div", { class: "page-head" },
          h("div", { class: "title" }, h("h1", {}, "Job ", h("span", { class: "mono", text: job.id })), badge(job.status)),
          h("div", { class: "actions" }, rerun)),
        h("dl", { class: "facts" }, facts.map(([k, val]) => h("div", {}, h("dt", { text: k }), h("dd", {}, val)))),
        job.error ? h("pre", { class: "error-box", text: errorText(job.error) }) : null,
        h("section", { class: "panel" },
          h("h2", { text: "Trigger output" }),
          bodyBlock(job.trigger ? job.trigger.output : null)),
        h("section", { class: "steps" },
          h("h2", { text: "Steps" }),
          steps.length ? steps.map((s, i) => stepCard(s, i, names[s.id], tabs))
            : h("p", { class: "muted", text: job.status === "pending" ? "Waiting to run." : "No steps ran." })));
    }

    try {
      await load();
    } catch (e) {
      fill(main, h("nav", { class: "crumbs" }, link("/recipes", "Recipes"), " / "));
      return v.fail(e);
    }
    // The recipe only adds names; the job is readable without it (the
    // recipe may have been deleted since).
    if (job.recipe_id) {
      api("GET", "/recipes/" + enc(job.recipe_id)).then((r) => {
        recipe = r;
        if (v.alive) paint();
      }, () => {});
    }
    v.poll(async () => {
      if (job && (job.status === "pending" || job.status === "running")) await load();
    }, REFRESH_MS);
  }

  // -------------------------------------------------------- connections

  const NEW_CONNECTION = {
    name: "my_app",
    type: "http",
    base_url: "https://api.example.com",
    auth: { type: "header", headers: { "X-Api-Key": "" } },
    test: { method: "GET", url: "https://api.example.com/me" },
  };

  const CONNECTION_COLUMNS = ["Name", "Type", "Base URL", "Auth", "", "Test result"];

  async function connectionsView(v, main) {
    document.title = "Connections · patchbay";
    const editSlot = h("div");
    const list = h("div", {}, loading());
    const newBtn = button("New connection", () => openEditor(null), "button primary");
    main.append(h("div", { class: "page-head" }, h("h1", { text: "Connections" }), h("div", { class: "actions" }, newBtn)),
      editSlot, list);

    async function openEditor(c) {
      // The single read gives the version (ETag) a save must still match.
      let current = null;
      if (c) {
        try {
          current = await api("GET", "/connections/" + enc(c.id));
        } catch (e) {
          v.fail(e);
          return;
        }
        if (!v.alive) return;
      }
      const cancel = button("Cancel", () => editSlot.replaceChildren());
      const editor = jsonEditor(v, {
        // The document edited is the one the ETag names, not the list's copy.
        value: current ? editableDoc(current, CONNECTION_EDIT_SKIP) : JSON.stringify(NEW_CONNECTION, null, 2),
        rows: 16,
        label: "Connection document",
        saveLabel: c ? "Save" : "Create connection",
        extra: cancel,
        onSave: async (d) => {
          if (c) await api("PUT", "/connections/" + enc(c.id), d, ifMatch(current));
          else await api("POST", "/connections", d);
          if (!v.alive) return;
          editSlot.replaceChildren();
          await load();
        },
      });
      fill(editSlot, h("section", { class: "panel" },
        h("h2", { text: c ? "Edit " + (c.name || c.id) : "New connection" }),
        h("p", { class: "muted small", text: "Secrets are write-only: a stored one reads \"set\". Leave \"set\" to keep it, or write a new value." }),
        editor.el));
      editSlot.querySelector("textarea").focus();
    }

    async function load() {
      const conns = await loadList(v, list, "/connections", "connections");
      if (!conns) return;
      if (conns.length === 0) {
        fill(list, h("div", { class: "empty" },
          h("p", { text: "No connections yet." }),
          h("p", { class: "muted", text: "A connection keeps an application's base URL and credentials, so steps can call it without repeating secrets." })));
        return;
      }
      // An OAuth2 connection, or one with warnings, gets a second row
      // under its own (section "OAuth2 connections").
      fill(list, h("div", { class: "table-wrap" }, h("table", { class: "table connections" },
        h("thead", {}, h("tr", {}, CONNECTION_COLUMNS.map((t) => h("th", { text: t })))),
        h("tbody", {}, conns.map((c) => [connectionRow(c), connectionNotes(v, c)])))));
    }

    function connectionRow(c) {
      const result = h("td", { class: "test-result", "aria-live": "polite" });
      const test = button("Test", async () => {
        test.disabled = true;
        fill(result, h("span", { class: "muted", text: "Testing…" }));
        try {
          const t = (await api("POST", "/connections/" + enc(c.id) + "/test")) || {};
          if (!v.alive) return;
          fill(result,
            badge(t.ok ? "ok" : "failed", t.ok ? "OK" : "Failed"),
            t.status ? h("span", { class: "small", text: " HTTP " + t.status }) : null,
            t.duration_ms !== undefined && t.duration_ms !== null ? h("span", { class: "muted small", text: " · " + fmtMs(t.duration_ms) }) : null,
            t.error ? h("div", { class: "error small", text: errorText(t.error) }) : null);
        } catch (e) {
          fill(result, h("span", { class: "error small", text: e.message }));
        } finally {
          test.disabled = false;
        }
      }, "button small");
      const edit = button("Edit", () => openEditor(c), "button small");
      const del = button("Delete", async () => {
        if (!confirm("Delete the connection \u201c" + (c.name || c.id) + "\u201d? Steps that use it will fail.")) return;
        try {
          await api("DELETE", "/connections/" + enc(c.id));
          await load();
        } catch (e) {
          v.fail(e);
        }
      }, "button small danger");
      const auth = c.auth || {};
      return h("tr", { class: "connection", "data-connection": c.name || c.id },
        h("td", {}, h("strong", { text: c.name || c.id })),
        h("td", { text: c.type || "—" }),
        h("td", {}, c.base_url ? h("code", { class: "url", text: c.base_url }) : h("span", { class: "muted", text: "—" })),
        h("td", { text: c.type === "http_oauth2" ? "oauth2" + (auth.type && auth.type !== "none" ? " + " + auth.type : "") : auth.type || "none" }),
        h("td", { class: "nowrap" }, test, " ", edit, " ", del),
        result);
    }

    await load();
  }

  // -------------------------------------------------- OAuth2 connections

  // An http_oauth2 connection's view adds redirect_url, oauth2_status
  // (not_connected | connected | needs_reauthorization),
  // oauth2_status_reason and token_expires_at; any connection may carry
  // warnings about risky settings. They are shown in a row under the
  // connection's own.

  const OAUTH2_LABELS = {
    connected: "connected", not_connected: "not connected", needs_reauthorization: "needs reauthorization",
  };

  function connectionNotes(v, c) {
    const warnings = Array.isArray(c.warnings) ? c.warnings : [];
    const oauth2 = c.type === "http_oauth2";
    if (!oauth2 && warnings.length === 0) return null;
    return h("tr", { class: "connection-notes", "data-connection": c.name || c.id },
      h("td", { colspan: CONNECTION_COLUMNS.length },
        oauth2 ? oauth2Block(v, c) : null,
        warnings.length ? h("ul", { class: "warnings" }, warnings.map((w) => h("li", { text: String(w) }))) : null));
  }

  function oauth2Block(v, c) {
    const status = c.oauth2_status || "not_connected";
    // Client credentials need no user in the loop: the token is fetched
    // on first use, and the authorize endpoint refuses them.
    const userGrant = !(c.oauth2 && c.oauth2.grant === "client_credentials");
    const problem = h("span", { class: "error small", "aria-live": "polite" });
    const connect = userGrant ? button(status === "connected" || status === "needs_reauthorization" ? "Reconnect" : "Connect",
      () => startAuthorization(v, c, connect, problem), "button small primary connect") : null;
    return h("div", { class: "oauth2" },
      h("div", { class: "oauth2-status" },
        h("span", { class: "label", text: "OAuth2" }),
        h("span", { class: "oauth2-badge" }, badge(status, OAUTH2_LABELS[status] || status)),
        c.oauth2_status_reason ? h("span", { class: "error small", text: c.oauth2_status_reason }) : null,
        tokenExpiry(c.token_expires_at),
        userGrant ? null : h("span", { class: "muted small", text: "client credentials: a token is fetched when first needed" }),
        connect, problem),
      userGrant && c.redirect_url ? h("div", { class: "oauth2-redirect" },
        h("span", { class: "label", text: "Redirect URL" }),
        copyableURL(c.redirect_url),
        h("span", { class: "muted small", text: "register this URL at the provider" })) : null);
  }

  function tokenExpiry(iso) {
    if (!iso) return null;
    const past = new Date(iso) < new Date();
    // An expired access token is normal: it is refreshed on next use.
    return h("span", { class: "muted small" }, past ? "token expired " : "token expires ", timeEl(iso));
  }

  // startAuthorization asks the API for the provider's authorization URL
  // (the same-origin fetch also stores the HttpOnly cookie that binds the
  // state to this browser), then leaves for the provider, which sends the
  // browser back to /oauth/callback.
  async function startAuthorization(v, c, btn, problem) {
    btn.disabled = true;
    problem.textContent = "";
    try {
      const a = await api("GET", "/connections/" + enc(c.id) + "/authorize");
      const target = webURL(a && a.authorize_url);
      if (!target) throw new Error("The server answered no usable authorize_url.");
      location.assign(target);
    } catch (e) {
      if (!v.alive) return;
      problem.textContent = e.message;
      btn.disabled = false;
    }
  }

  // webURL returns u if it is an absolute http(s) URL: a connection's
  // authorize_url is user input, and a javascript: URL must not run here.
  function webURL(u) {
    try {
      const url = new URL(String(u));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  // --------------------------------------------------------------- boot

  function boot() {
    byId("banner-close").addEventListener("click", hideBanner);
    byId("signout").addEventListener("click", (e) => {
      e.preventDefault();
      signOut();
    });
    window.addEventListener("hashchange", route);
    if (!location.hash || location.hash === "#" || location.hash === "#/") {
      history.replaceState(null, "", "#/recipes");
    }
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
