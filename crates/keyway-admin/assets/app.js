// Keyway admin: the little JavaScript the server-rendered pages need.
// Every change goes through the JSON admin API with the session's CSRF token.
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => ($('meta[name="csrf-token"]') || {}).content || "";
  let T = {};
  try { T = JSON.parse(($("#i18n") || {}).textContent || "{}"); } catch (_) { T = {}; }
  const t = (k, fallback) => T[k] || fallback || k;

  function toast(msg, bad) {
    const el = $("#toast");
    if (!el) return;
    el.textContent = msg;
    el.className = "show" + (bad ? " bad" : "");
    clearTimeout(el._timer);
    el._timer = setTimeout(() => { el.className = ""; }, bad ? 6000 : 2500);
  }

  async function api(method, url, body) {
    const headers = { "x-csrf-token": csrf() };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const resp = await fetch(url, init);
    if (resp.status === 401 && !url.endsWith("/login")) {
      location.href = "/admin/login";
      return { ok: false, status: 401, data: null };
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
    return { ok: resp.ok, status: resp.status, data };
  }

  function errorText(r) {
    const e = r.data && r.data.error;
    return e ? e.message : "HTTP " + r.status;
  }

  function el(tag, attrs, children) {
    const n = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") n.className = v; else if (k === "text") n.textContent = v; else n.setAttribute(k, v);
    });
    (children || []).forEach((c) => n.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
    return n;
  }

  async function copyText(text, btn) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      const ta = el("textarea", {}, []);
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try { document.execCommand("copy"); } catch (_) { /* best effort */ }
      ta.remove();
    }
    if (btn) {
      const old = btn.textContent;
      btn.textContent = t("copied", "Copied");
      setTimeout(() => { btn.textContent = old; }, 1500);
    }
  }

  // Put a real key into the snippets on the page.
  function fillSnippets(key) {
    $$("code.snippet").forEach((c) => {
      if (!c.dataset.template) c.dataset.template = c.textContent;
      c.textContent = c.dataset.template.split("db_sk_YOUR_KEY").join(key);
    });
  }

  function showSecret(title, key, warning, reloadOnClose) {
    const modal = $("#modal");
    const body = $(".modal-body", modal);
    body.innerHTML = "";
    const code = el("code", { id: "secret-value", text: key });
    const btn = el("button", { class: "btn primary", type: "button", id: "copy-secret", text: t("copy", "Copy") });
    btn.addEventListener("click", () => copyText(key, btn));
    body.appendChild(el("h2", { text: title }));
    body.appendChild(el("div", { class: "secret-box" }, [code, btn]));
    body.appendChild(el("p", { class: "warning", text: warning }));
    modal.showModal();
    if (reloadOnClose) modal.addEventListener("close", () => location.reload(), { once: true });
    fillSnippets(key);
  }

  function renderTest(target, r) {
    if (!target) return;
    target.innerHTML = "";
    target.className = "test-result " + (r.ok ? "ok" : "fail");
    const head = el("div", {}, [
      el("strong", { text: r.ok ? "OK" : t("fail", "FAILED") }),
      " · " + t("status", "status") + " " + r.status,
      r.upstream_status != null ? " · " + t("upstream", "upstream status") + " " + r.upstream_status : "",
      " · " + t("latency", "latency") + " " + r.latency_ms + " ms",
      r.provider ? " · " + t("provider", "provider") + " " + r.provider : "",
    ]);
    target.appendChild(head);
    if (r.reply) target.appendChild(el("pre", { text: r.reply }));
    if (r.error) target.appendChild(el("pre", { class: "err", text: r.error }));
  }

  // Form fields → JSON body, by input type and data-type.
  function formBody(form) {
    const body = {};
    const put = (obj, input) => {
      const name = input.name;
      if (!name || input.disabled) return;
      const type = input.dataset.type;
      if (input.type === "checkbox") { obj[name] = input.checked; return; }
      const v = input.value.trim();
      if (v === "") return;
      if (type === "int") obj[name] = parseInt(v, 10);
      else if (type === "date") obj[name] = new Date(v + "T23:59:59").getTime();
      else obj[name] = v;
    };
    if (form.dataset.kind === "route") {
      const auto = form.elements.mode.value === "auto-select";
      const cands = $$(".cand-row", form).map((row) => {
        const c = {};
        $$("input, select", row).forEach((i) => put(c, i));
        return c;
      });
      $$("input, select", form).forEach((i) => { if (!i.closest(".cand-row")) put(body, i); });
      if (auto) body.candidates = cands;
      else { body.provider_id = cands[0].provider_id; if (cands[0].model) body.model = cands[0].model; }
      return body;
    }
    $$("input, select, textarea", form).forEach((i) => put(body, i));
    return body;
  }

  async function after(then, r, source) {
    if (!then || then === "reload") { location.reload(); return; }
    if (then.startsWith("goto:")) {
      location.href = then.slice(5).replace("{id}", r.data && r.data.id);
      return;
    }
    if (then === "key") {
      showSecret(t("created", "New API key") + ": " + r.data.name, r.data.key, t("once", ""), true);
      return;
    }
    if (then === "secret") {
      showSecret(t("revealed", "API key"), r.data.key, t("secretWarn", ""), false);
      return;
    }
    if (then.startsWith("test:")) { renderTest(document.getElementById(then.slice(5)), r.data); return; }
    if (then === "testall") {
      const s = $("#testall-summary");
      s.textContent = r.data.summary;
      s.className = "summary " + (r.data.all_passed ? "pass" : "fail");
      r.data.results.forEach((res) => renderTest(document.getElementById("test-" + res.route_id), res));
      return;
    }
    toast(t("saved", "Saved"));
  }

  function clearErrors(form) {
    $$(".bad", form).forEach((i) => i.classList.remove("bad"));
    const e = $(".form-error", form);
    if (e) e.textContent = "";
  }

  function showError(form, r) {
    const e = $(".form-error", form);
    const field = r.data && r.data.error && r.data.error.field;
    if (field) {
      const leaf = field.replace(/^candidates\[\d+\]\./, "");
      const input = form.querySelector('[name="' + leaf + '"]');
      if (input) input.classList.add("bad");
    }
    if (e) e.textContent = errorText(r); else toast(errorText(r), true);
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (form.id === "login-form") {
      ev.preventDefault();
      clearErrors(form);
      const r = await api("POST", "/admin/api/login", formBody(form));
      if (r.ok) location.href = "/admin"; else showError(form, r);
      return;
    }
    if (!form.dataset.api) return;
    ev.preventDefault();
    clearErrors(form);
    const btn = $('[type="submit"]', form);
    if (btn) btn.disabled = true;
    try {
      const r = await api(form.dataset.method || "POST", form.dataset.api, formBody(form));
      if (r.ok) await after(form.dataset.then, r, form); else showError(form, r);
    } catch (err) {
      toast(String(err), true);
    } finally {
      if (btn) btn.disabled = false;
    }
  });

  document.addEventListener("click", async (ev) => {
    const lang = ev.target.closest("[data-lang]");
    if (lang) {
      document.cookie = "keyway_lang=" + lang.dataset.lang + "; path=/; max-age=31536000; samesite=strict";
      location.reload();
      return;
    }
    const copy = ev.target.closest("[data-copy]");
    if (copy) {
      const src = $(copy.dataset.copy);
      if (src) copyText(src.textContent, copy);
      return;
    }
    if (ev.target.closest("#logout")) {
      await api("POST", "/admin/api/logout");
      location.href = "/admin/login";
      return;
    }
    const toggle = ev.target.closest("[data-toggle]");
    if (toggle) {
      const target = $(toggle.dataset.toggle);
      if (target) target.hidden = !target.hidden;
      return;
    }
    const addCand = ev.target.closest(".add-cand");
    if (addCand) {
      const form = addCand.closest("form");
      const rows = $$(".cand-row", form);
      const clone = rows[0].cloneNode(true);
      $$("input", clone).forEach((i) => { if (i.name === "priority") i.value = rows.length; else i.value = ""; });
      rows[rows.length - 1].after(clone);
      return;
    }
    const btn = ev.target.closest("button[data-api]");
    if (!btn) return;
    ev.preventDefault();
    if (btn.dataset.confirm && !confirm(btn.dataset.confirm)) return;
    let body = btn.dataset.body ? JSON.parse(btn.dataset.body) : undefined;
    const field = btn.dataset.promptField || btn.dataset.promptSecret;
    if (field) {
      const v = prompt(btn.dataset.prompt || "", btn.dataset.promptValue || "");
      if (!v) return;
      body = { [field]: v };
    }
    if (btn.dataset.promptDate) {
      const v = prompt(btn.dataset.prompt || "", "");
      if (v === null) return;
      const ms = v.trim() === "" ? null : new Date(v.trim() + "T23:59:59").getTime();
      if (ms !== null && isNaN(ms)) { toast("YYYY-MM-DD", true); return; }
      body = { [btn.dataset.promptDate]: ms };
    }
    const method = btn.dataset.method || "POST";
    btn.classList.add("busy");
    btn.disabled = true;
    const oldText = btn.textContent;
    if (btn.dataset.then && (btn.dataset.then.startsWith("test") )) btn.textContent = t("testing", "Testing…");
    try {
      const r = await api(method, btn.dataset.api, method === "GET" ? undefined : body);
      if (r.ok) await after(btn.dataset.then, r, btn); else toast(errorText(r), true);
    } catch (err) {
      toast(String(err), true);
    } finally {
      btn.classList.remove("busy");
      btn.disabled = false;
      btn.textContent = oldText;
    }
  });

  document.addEventListener("change", (ev) => {
    const form = ev.target.closest("form");
    if (!form) return;
    // Route form: auto-select shows priorities and the add-candidate button.
    if (form.dataset.kind === "route" && ev.target.name === "mode") {
      const auto = ev.target.value === "auto-select";
      form.classList.toggle("auto", auto);
      const add = $(".add-cand", form);
      if (add) add.hidden = !auto;
      if (!auto) $$(".cand-row", form).slice(1).forEach((r) => r.remove());
    }
    // Provider form: a preset fills protocol and base URL.
    if (form.id === "provider-form" && (ev.target.name === "vendor" || ev.target.name === "protocol")) {
      applyPreset(form, ev.target.name === "vendor");
    }
  });

  function presets() {
    try { return JSON.parse(($("#presets") || {}).textContent || "[]"); } catch (_) { return []; }
  }

  function applyPreset(form, vendorChanged) {
    const p = presets().find((x) => x.vendor === form.elements.vendor.value);
    if (!p) return;
    if (vendorChanged) {
      form.elements.protocol.value = p.protocol;
      if (!form.elements.name.value || form.elements.name.dataset.auto) {
        form.elements.name.value = p.vendor === "custom" ? "" : p.vendor;
        form.elements.name.dataset.auto = "1";
      }
    }
    const proto = form.elements.protocol.value;
    const url = proto === p.protocol ? p.base_url : (proto === "anthropic" ? p.anthropic_base_url : null);
    form.elements.base_url.value = url || "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    // Timestamps in the viewer's local time.
    $$("time[data-ts]").forEach((n) => {
      const d = new Date(parseInt(n.dataset.ts, 10));
      if (!isNaN(d)) { n.title = n.textContent; n.textContent = d.toLocaleString(document.documentElement.lang || undefined); }
    });
    const pf = $("#provider-form");
    if (pf) {
      pf.elements.name.addEventListener("input", () => { delete pf.elements.name.dataset.auto; });
      applyPreset(pf, true);
    }
  });
})();
