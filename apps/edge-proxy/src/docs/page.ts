/**
 * `GET /docs`: a self-contained API reference page (no CDN, no external script, no font). It reads
 * `/openapi.json` and renders every operation with its parameters, request body, responses and a
 * "try it" form that calls the proxy with a proxy key.
 */

const style = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6474; --line: #dfe3ea; --bg: #f6f7f9; --card: #fff;
  --get: #1f7a4d; --post: #1d5fbf; --put: #8a5a00; --patch: #6b3fb3; --delete: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 28px; background: #151b26; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #c5cbd6; }
header .auth { margin-top: 12px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
header input { width: 340px; max-width: 100%; padding: 6px 8px; border-radius: 6px; border: 1px solid #4a5568; background: #0f141d; color: #fff; }
.layout { display: grid; grid-template-columns: 340px 1fr; min-height: calc(100vh - 120px); }
nav { border-right: 1px solid var(--line); padding: 16px; background: var(--card); position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 16px 0 6px; }
nav a { display: flex; gap: 6px; align-items: baseline; padding: 2px 4px; border-radius: 4px; color: var(--fg); text-decoration: none; font-size: 12.5px; overflow-wrap: anywhere; }
nav a:hover { background: var(--bg); }
main { padding: 20px 28px; min-width: 0; }
.tag { font-size: 18px; margin: 28px 0 4px; }
.tag-description { color: var(--muted); margin: 0 0 12px; }
.operation { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 0 0 14px; }
.operation > summary { list-style: none; cursor: pointer; padding: 10px 14px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.operation > summary::-webkit-details-marker { display: none; }
.method { display: inline-block; min-width: 58px; text-align: center; font: 600 11px/1.9 ui-monospace, monospace; color: #fff; border-radius: 4px; }
.method.get { background: var(--get); } .method.post { background: var(--post); } .method.put { background: var(--put); }
.method.patch { background: var(--patch); } .method.delete { background: var(--delete); }
.path { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.summary { color: var(--muted); }
.operation-id { margin-left: auto; font: 12px ui-monospace, monospace; color: var(--muted); }
.body { padding: 0 14px 14px; border-top: 1px solid var(--line); }
h4 { margin: 14px 0 6px; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 5px 6px; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
code, .mono { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.required { color: var(--delete); font-size: 11px; margin-left: 4px; }
.schema { margin: 0; padding-left: 16px; }
.schema li { margin: 2px 0; }
.type { color: var(--post); }
.constraint { color: var(--muted); font-size: 12px; }
.try { background: var(--bg); border-radius: 6px; padding: 10px; margin-top: 12px; }
.try label { display: block; font-size: 12px; color: var(--muted); margin: 6px 0 2px; }
.try input, .try textarea { width: 100%; padding: 5px 7px; border: 1px solid var(--line); border-radius: 4px; font: 12px ui-monospace, monospace; }
.try textarea { min-height: 90px; }
.try button { margin-top: 8px; padding: 6px 14px; border: 0; border-radius: 5px; background: #151b26; color: #fff; cursor: pointer; }
.try pre { background: #0f141d; color: #e6e9ef; padding: 10px; border-radius: 6px; overflow: auto; max-height: 320px; white-space: pre-wrap; word-break: break-all; }
#status { padding: 20px 28px; color: var(--muted); }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } nav { position: static; max-height: none; } }
`

const script = `
"use strict";
const h = (tag, attrs, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v; else if (k.startsWith("on")) el.addEventListener(k.slice(2), v); else el.setAttribute(k, v);
  }
  for (const child of children.flat(Infinity)) if (child !== undefined && child !== null && child !== false)
    el.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  return el;
};
let doc;
const resolve = (schema) => {
  let s = schema, guard = 0;
  while (s && s.$ref && guard++ < 20) s = doc.components.schemas[s.$ref.split("/").pop()] || {};
  return s || {};
};
const refName = (schema) => (schema && schema.$ref ? schema.$ref.split("/").pop() : undefined);
const typeOf = (schema) => {
  const s = resolve(schema);
  if (s.type === "array") return "array of " + (refName(s.items) || typeOf(s.items));
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.oneOf) return s.oneOf.map(typeOf).join(" | ");
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  return s.type || (s.properties ? "object" : "any");
};
const constraints = (schema) => {
  const s = resolve(schema), out = [];
  if (s.minLength !== undefined) out.push("min length " + s.minLength);
  if (s.maxLength !== undefined) out.push("max length " + s.maxLength);
  if (s.minItems !== undefined) out.push("min items " + s.minItems);
  if (s.maxItems !== undefined) out.push("max items " + s.maxItems);
  if (s.minimum !== undefined && s.minimum > -9007199254740991) out.push("≥ " + s.minimum);
  if (s.maximum !== undefined && s.maximum < 9007199254740991) out.push("≤ " + s.maximum);
  if (s.pattern) out.push("pattern " + s.pattern);
  if (s.format) out.push("format " + s.format);
  if (s.default !== undefined) out.push("default " + JSON.stringify(s.default));
  return out.join(", ");
};
const renderSchema = (schema, depth) => {
  const s = resolve(schema);
  if (depth > 5) return h("span", { class: "constraint" }, "…");
  if (s.type === "array" && s.items) {
    const inner = resolve(s.items);
    return h("div", {}, h("span", { class: "type" }, typeOf(s)), constraints(s) ? h("span", { class: "constraint" }, " (" + constraints(s) + ")") : null,
      inner.properties ? renderSchema(s.items, depth + 1) : null);
  }
  const variants = s.anyOf || s.oneOf;
  if (variants && !s.properties) {
    const objects = variants.filter((v) => resolve(v).properties);
    return h("div", {}, h("span", { class: "type" }, typeOf(s)), objects.map((v) => renderSchema(v, depth + 1)));
  }
  if (!s.properties) return h("span", {}, h("span", { class: "type" }, typeOf(s)), constraints(s) ? h("span", { class: "constraint" }, " (" + constraints(s) + ")") : null);
  const required = new Set(s.required || []);
  return h("ul", { class: "schema" }, Object.entries(s.properties).map(([name, prop]) => {
    const p = resolve(prop);
    const nested = (p.properties || (p.type === "array" && p.items && resolve(p.items).properties)) && depth < 5;
    return h("li", {}, h("code", {}, name), required.has(name) ? h("span", { class: "required" }, "required") : null, " ",
      h("span", { class: "type" }, typeOf(prop)), constraints(prop) ? h("span", { class: "constraint" }, " (" + constraints(prop) + ")") : null,
      (prop.description || p.description) ? h("span", { class: "constraint" }, " — " + (prop.description || p.description)) : null,
      nested ? renderSchema(p.type === "array" ? p.items : prop, depth + 1) : null);
  }));
};
const example = (schema, depth) => {
  const s = resolve(schema);
  if (depth > 4) return null;
  if (s.default !== undefined) return s.default;
  if (s.anyOf || s.oneOf) return example((s.anyOf || s.oneOf)[0], depth + 1);
  if (s.enum) return s.enum[0];
  if (s.type === "array") return [example(s.items || {}, depth + 1)];
  if (s.type === "string") return s.pattern && s.pattern.includes("#") ? "#1d5fbf" : "string";
  if (s.type === "integer" || s.type === "number") return 1;
  if (s.type === "boolean") return false;
  if (s.properties) {
    const out = {};
    for (const name of s.required || []) out[name] = example(s.properties[name], depth + 1);
    return out;
  }
  return {};
};
const keyInput = () => document.getElementById("key");
const tryIt = (path, method, op) => {
  const params = op.parameters || [];
  const inputs = new Map();
  const fields = params.map((p) => {
    const input = h("input", { name: p.name, placeholder: p.in + (p.required ? ", required" : "") });
    inputs.set(p, input);
    return h("div", {}, h("label", {}, p.name + " (" + p.in + ")"), input);
  });
  const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  const body = content ? h("textarea", {}, JSON.stringify(example(content.schema, 0), null, 2)) : null;
  const out = h("pre", { hidden: true });
  const send = async () => {
    let url = path;
    const query = new URLSearchParams();
    for (const [p, input] of inputs) {
      if (input.value === "") continue;
      if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(input.value));
      else if (p.in === "query") query.append(p.name, input.value);
    }
    const headers = {};
    if (keyInput().value) headers.authorization = "Bearer " + keyInput().value;
    if (body) headers["content-type"] = "application/json";
    out.hidden = false;
    out.textContent = "…";
    try {
      const res = await fetch(url + (query.toString() ? "?" + query : ""), { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
      const text = await res.text();
      const shown = ["content-type", "total-number", "link", "etag", "x-request-id"].filter((n) => res.headers.get(n)).map((n) => n + ": " + res.headers.get(n));
      let pretty = text;
      try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch {}
      out.textContent = res.status + " " + res.statusText + "\\n" + shown.join("\\n") + "\\n\\n" + pretty;
    } catch (e) { out.textContent = String(e); }
  };
  return h("div", { class: "try" }, h("h4", {}, "Try it"), fields, body ? h("div", {}, h("label", {}, "body (application/json)"), body) : null,
    h("button", { type: "button", onclick: send }, "Send " + method.toUpperCase()), out);
};
const renderOperation = (path, method, op) => {
  const params = op.parameters || [];
  const content = op.requestBody && op.requestBody.content;
  return h("details", { class: "operation", id: "op-" + op.operationId, "data-operation-id": op.operationId },
    h("summary", {}, h("span", { class: "method " + method }, method.toUpperCase()), h("span", { class: "path" }, path),
      h("span", { class: "summary" }, op.summary || ""), h("span", { class: "operation-id" }, op.operationId)),
    h("div", { class: "body" },
      op.description ? h("p", {}, op.description) : null,
      params.length ? [h("h4", {}, "Parameters"), h("table", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "In"), h("th", {}, "Type"), h("th", {}, "Description")),
        params.map((p) => h("tr", {}, h("td", {}, h("code", {}, p.name), p.required ? h("span", { class: "required" }, "required") : null), h("td", {}, p.in),
          h("td", {}, h("span", { class: "type" }, typeOf(p.schema)), constraints(p.schema) ? h("div", { class: "constraint" }, constraints(p.schema)) : null), h("td", {}, p.description || ""))))] : null,
      content ? [h("h4", {}, "Request body " + Object.keys(content).join(", ")), renderSchema(Object.values(content)[0].schema, 0)] : null,
      h("h4", {}, "Responses"),
      h("table", {}, h("tr", {}, h("th", {}, "Status"), h("th", {}, "Description"), h("th", {}, "Body")),
        Object.entries(op.responses || {}).map(([status, r]) => {
          const c = r.content && Object.entries(r.content)[0];
          const headers = r.headers ? Object.keys(r.headers).join(", ") : "";
          return h("tr", {}, h("td", {}, h("code", {}, status)), h("td", {}, r.description || "", headers ? h("div", { class: "constraint" }, "headers: " + headers) : null),
            h("td", {}, c ? [h("div", { class: "constraint" }, c[0]), renderSchema(c[1].schema || {}, 3)] : "no body"));
        })),
      tryIt(path, method, op)));
};
const render = () => {
  const groups = new Map((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of ["get", "post", "put", "patch", "delete"]) {
      const op = item[method];
      if (!op) continue;
      const tag = (op.tags && op.tags[0]) || "Other";
      if (!groups.has(tag)) groups.set(tag, { tag: { name: tag }, ops: [] });
      groups.get(tag).ops.push([path, method, op]);
    }
  const nav = h("nav", {}, [...groups.values()].map((g) => [h("h2", {}, g.tag.name),
    g.ops.map(([path, method, op]) => h("a", { href: "#op-" + op.operationId }, h("span", { class: "method " + method }, method.toUpperCase()), op.operationId))]));
  const main = h("main", { id: "operations" }, [...groups.values()].map((g) => [h("h3", { class: "tag" }, g.tag.name),
    g.tag.description ? h("p", { class: "tag-description" }, g.tag.description) : null, g.ops.map(([p, m, op]) => renderOperation(p, m, op))]));
  document.getElementById("status").remove();
  document.getElementById("app").append(h("div", { class: "layout" }, nav, main));
  document.getElementById("count").textContent = String(main.querySelectorAll(".operation").length);
  const open = location.hash && document.getElementById(location.hash.slice(1));
  if (open && open.tagName === "DETAILS") open.open = true;
  document.body.dataset.ready = "true";
};
fetch("/openapi.json").then((r) => { if (!r.ok) throw new Error("GET /openapi.json answered " + r.status); return r.json(); })
  .then((d) => { doc = d; document.getElementById("title").textContent = d.info.title; document.getElementById("server").textContent = (d.servers && d.servers[0] && d.servers[0].url) || location.origin; render(); })
  .catch((e) => { document.getElementById("status").textContent = "Could not load the API description: " + e.message; });
`

/** The page. */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgkit edge proxy — API reference</title>
<style>${style}</style>
</head>
<body>
<header>
<h1 id="title">Organizations API</h1>
<p>Served by the orgkit edge proxy at <span class="mono" id="server"></span> · <span id="count">0</span> operations · <a href="/openapi.json" style="color:#9ec5ff">openapi.json</a></p>
<div class="auth"><label for="key">Proxy key (sent as <code>Authorization: Bearer …</code> by "Try it")</label><input id="key" type="password" autocomplete="off" placeholder="your proxy key"></div>
</header>
<div id="app"><p id="status">Loading the API description…</p></div>
<script>${script}</script>
</body>
</html>
`

/** A Content-Security-Policy that lets the page talk to the proxy only. */
export const docsCsp =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
