/**
 * `GET /audit`: the audit trail for people, one self-contained page (no CDN, no outside request).
 * An `audit:read` key is entered as on `/docs` (kept in this tab's `sessionStorage` only); the page
 * reads `/audit/events` (newest first, with filters by actor, organization, operation, status and
 * time, and "more" through the cursor), shows each event's details, and the chain's verification
 * state from `/audit/verify` (events, entries, checkpoints, the first bad event and why).
 */
import type { Context } from "hono"

const style = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6474; --line: #dfe3ea; --bg: #f6f7f9; --card: #fff; --ok: #1f7a4d; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 18px 28px; background: #151b26; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #c5cbd6; }
header .auth { margin-top: 12px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
header input { width: 340px; max-width: 100%; padding: 6px 8px; border-radius: 6px; border: 1px solid #4a5568; background: #0f141d; color: #fff; }
main { padding: 18px 28px; }
button { padding: 6px 14px; border: 0; border-radius: 5px; background: #151b26; color: #fff; cursor: pointer; }
header button { background: #2d3748; }
#chain { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin-bottom: 14px; }
#chain[data-state=ok] strong { color: var(--ok); } #chain[data-state=bad] strong { color: var(--bad); }
form.filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
form.filters input, form.filters select { padding: 5px 7px; border: 1px solid var(--line); border-radius: 4px; font: 12px ui-monospace, monospace; min-width: 120px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
tr.event { cursor: pointer; } tr.event:hover { background: var(--bg); }
tr.details pre { margin: 0; white-space: pre-wrap; word-break: break-all; font: 12px ui-monospace, monospace; }
.mono { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.status-4, .status-5 { color: var(--bad); }
#error { color: var(--bad); }
#more { margin-top: 10px; }
`

const script = `
const $ = (id) => document.getElementById(id);
const keyInput = $("key");
keyInput.value = sessionStorage.getItem("orgkit-audit-key") || "";
let cursor;
const headers = () => ({ authorization: "Bearer " + keyInput.value.trim() });
const text = (value) => document.createTextNode(value === null || value === undefined ? "" : String(value));
const cell = (row, value, cls) => { const td = document.createElement("td"); if (cls) td.className = cls; td.appendChild(text(value)); row.appendChild(td); return td; };
const query = () => {
  const params = new URLSearchParams();
  for (const name of ["actorId", "organizationId", "operationId", "status", "kind"]) {
    const value = $("f-" + name).value.trim(); if (value) params.set(name, value);
  }
  for (const name of ["from", "to"]) {
    const value = $("f-" + name).value; if (value) params.set(name, new Date(value).toISOString());
  }
  return params;
};
const fail = async (response) => {
  let message = response.status + " " + response.statusText;
  try { const body = await response.json(); message = response.status + " " + (body.code || "") + ": " + (body.message || ""); } catch {}
  $("error").textContent = message;
};
const render = (events) => {
  const body = $("events");
  for (const event of events) {
    const row = document.createElement("tr");
    row.className = "event";
    row.dataset.eventId = event.id;
    cell(row, event.time, "mono");
    cell(row, event.actor === "anonymous" ? "anonymous" : event.actor.name + " (" + event.actor.id + ")");
    cell(row, event.operationId, "mono");
    cell(row, event.organizationId, "mono");
    cell(row, event.status, "status-" + String(event.status).charAt(0));
    cell(row, event.kind + (event.outcome === "completed" ? "" : " · " + event.outcome));
    const details = document.createElement("tr");
    details.className = "details"; details.hidden = true;
    const td = document.createElement("td"); td.colSpan = 6;
    const pre = document.createElement("pre"); pre.textContent = JSON.stringify(event, null, 2);
    td.appendChild(pre); details.appendChild(td);
    row.addEventListener("click", () => { details.hidden = !details.hidden; });
    body.appendChild(row); body.appendChild(details);
  }
};
const load = async (more) => {
  $("error").textContent = "";
  if (!more) { $("events").textContent = ""; cursor = undefined; }
  const params = query();
  if (more && cursor) params.set("cursor", cursor);
  const response = await fetch("/audit/events?" + params, { headers: headers() });
  if (!response.ok) return fail(response);
  const page = await response.json();
  render(page.events);
  cursor = page.nextCursor;
  $("more").hidden = !cursor;
  $("count").textContent = String(document.querySelectorAll("tr.event").length);
};
const verify = async () => {
  const chain = $("chain");
  chain.dataset.state = "checking";
  $("chain-text").textContent = "checking…";
  const response = await fetch("/audit/verify", { headers: headers() });
  if (!response.ok) { chain.dataset.state = "unknown"; $("chain-text").textContent = "not available (" + response.status + ")"; return; }
  const result = await response.json();
  chain.dataset.state = result.ok ? "ok" : "bad";
  $("chain-state").textContent = result.ok ? "intact" : "BROKEN";
  const parts = [result.events + " events, " + result.entries + " entries"];
  parts.push(result.signed ? (result.checkpoints + " signed checkpoints" + (result.lastCheckpoint ? ", the last " + result.lastCheckpoint.time : "")) : "checkpoints are off");
  if (!result.ok) parts.push("first bad event " + (result.firstBadEventId || "-") + ": " + result.reason);
  $("chain-text").textContent = parts.join(" · ");
};
const refresh = async () => {
  sessionStorage.setItem("orgkit-audit-key", keyInput.value.trim());
  await Promise.all([load(false), verify()]);
  document.body.dataset.loaded = "true";
};
$("use-key").addEventListener("click", refresh);
$("filters").addEventListener("submit", (e) => { e.preventDefault(); void load(false); });
$("more").addEventListener("click", () => void load(true));
document.body.dataset.ready = "true";
if (keyInput.value) void refresh();
`

/** The `/audit` page (HTML). */
export const auditPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgkit audit trail</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>Audit trail</h1>
  <p>Every write through the proxy and every denial of a known key, newest first. Needs a key with the <code>audit:read</code> scope.</p>
  <div class="auth"><input id="key" type="password" autocomplete="off" placeholder="audit:read key" aria-label="audit key"><button id="use-key" type="button">Show</button></div>
</header>
<main>
  <div id="chain" data-state="unknown">Chain: <strong id="chain-state"></strong> <span id="chain-text">enter a key</span></div>
  <form id="filters" class="filters">
    <label>actor id<input id="f-actorId" name="actorId"></label>
    <label>organization<input id="f-organizationId" name="organizationId"></label>
    <label>operation<input id="f-operationId" name="operationId" placeholder="e.g. AddOrganizationUsers"></label>
    <label>status<input id="f-status" name="status" inputmode="numeric"></label>
    <label>kind<select id="f-kind" name="kind"><option value="">any</option><option>write</option><option>denial</option></select></label>
    <label>from<input id="f-from" name="from" type="datetime-local" step="1"></label>
    <label>to<input id="f-to" name="to" type="datetime-local" step="1"></label>
    <button type="submit">Filter</button>
  </form>
  <p id="error" role="alert"></p>
  <table>
    <thead><tr><th>time</th><th>actor</th><th>operation</th><th>organization</th><th>status</th><th>kind</th></tr></thead>
    <tbody id="events"></tbody>
  </table>
  <p><span id="count">0</span> events shown. <button id="more" type="button" hidden>More</button></p>
</main>
<script>${script}</script>
</body>
</html>
`

/**
 * `GET /audit`: serves the page (no key needed to load it; every request it makes carries the key).
 *
 * @example
 * app.get("/audit", auditPageHandler) // before `app.use("/audit/*", authenticate(...))`
 */
export const auditPageHandler = (c: Context): Response =>
  c.body(auditPage, 200, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": auditPageCsp,
    "cache-control": "no-store"
  })

/** The page's Content-Security-Policy: its own inline script and style, requests to the proxy only. */
export const auditPageCsp =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
