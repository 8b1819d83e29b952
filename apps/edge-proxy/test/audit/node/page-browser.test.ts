/**
 * `GET /audit` in headless Chromium from Debian, with every outside connection refused: the page
 * loads without a key, then with an `audit:read` key shows the events newest first, filters them,
 * opens an event's details, and shows the chain's verification state (signed checkpoints), then
 * "BROKEN" with the first bad event once the file is tampered with. Screenshot:
 * /tmp/orgkit-edge-proxy-audit.png. Skipped (saying why) only when /usr/bin/chromium is absent.
 *
 * The proxy is the real Node server's app (`createApp` through `startLoopbackProxy`'s config) with
 * `GET /audit` in front, the one route the lead's `app.ts` adds (`auditPageHandler`).
 */
import { getRequestListener } from "@hono/node-server"
import { Demo, FakeLogto } from "@orgkit/testing"
import { Hono } from "hono"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fetchUpstream } from "../../../src/adapters/fetch-upstream.ts"
import { webPlatform } from "../../../src/adapters/web-platform.ts"
import { createApp, makeDeps } from "../../../src/app.ts"
import { auditPageHandler } from "../../../src/audit/page.ts"
import { generateKeyPair, loadSigningKey } from "../../../src/audit/keys.ts"
import { localSqlDriver, type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { client, directToken, keys, proxyEnv } from "../../fixtures/e2e.ts"
import { loopbackConfig } from "../../fixtures/node-proxy.ts"
import { rewriteAndRehash } from "../support/tamper.ts"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
if (!available)
  console.warn(`skipping the /audit browser test: ${executablePath} is missing (apt-get install -y chromium)`)

let dir: string
let fake: FakeLogto.Server
let store: NodeAuditStore
let server: http.Server
let url: string
let browser: Browser

describe.skipIf(!available)(`GET /audit in headless Chromium (${executablePath})`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "orgkit-audit-page-"))
    fake = await FakeLogto.serve({
      host: "127.0.0.1",
      port: 0,
      seed: Demo.seed,
      tokens: [directToken],
      clients: [client]
    })
    const signingKey = await loadSigningKey((await generateKeyPair()).privatePem)
    store = openNodeAuditStore({
      path: join(dir, "audit.sqlite"),
      redeliverEveryMs: 0,
      heartbeatMs: 0,
      checkpointEvery: 4,
      signingKey,
      log: () => undefined
    })
    const config = loopbackConfig(proxyEnv(fake.url))
    const audit = makeRecorder({ store, log: () => undefined })
    const app = createApp(
      makeDeps(config, {
        upstream: fetchUpstream({ origin: config.logtoEndpoint, fetch: (request) => fetch(request) }),
        platform: webPlatform,
        log: () => undefined,
        audit,
        auditStore: store
      })
    )
    const withPage = new Hono().get("/audit", auditPageHandler).route("/", app)
    server = http.createServer(getRequestListener(withPage.fetch))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // Three writes by the admin key and one denial of the reader key, in this order.
    const send = async (key: string, method: string, path: string, body: unknown, status: number) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      if (response.status !== status) throw new Error(`${method} ${path}: ${response.status}, expected ${status}`)
    }
    const acme = Demo.ids.organizations.acme
    await send(keys.admin.key, "PATCH", `/api/organizations/${acme}`, { description: "Audited" }, 200)
    await send(keys.admin.key, "POST", `/api/organizations/${acme}/users`, { userIds: [Demo.ids.users.carol] }, 201)
    await send(
      keys.admin.key,
      "PATCH",
      `/api/organizations/${Demo.ids.organizations.globex}`,
      { description: "Also" },
      200
    )
    await send(keys.reader.key, "DELETE", `/api/organizations/${acme}`, undefined, 403)
    await audit.flush()
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run"
      ]
    })
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
    await store?.close()
    await fake?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("shows the events newest first, filters them, opens details and shows the chain state", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const outside: Array<string> = []
    await page.route("**/*", (route) => {
      const target = route.request().url()
      if (target.startsWith(url)) return route.continue()
      outside.push(target)
      return route.abort()
    })
    await page.goto(`${url}/audit`)
    await page.waitForSelector("body[data-ready=true]")
    expect(await page.locator("tr.event").count()).toBe(0)

    await page.fill("#key", keys.admin.key)
    await page.click("#use-key")
    await page.waitForSelector("body[data-loaded=true]")
    const rows = () => page.locator("tr.event").evaluateAll((els) => els.map((el) => el.textContent ?? ""))
    const all = await rows()
    expect(all).toHaveLength(4)
    expect(all[0]).toContain("DeleteOrganization")
    expect(all[0]).toContain("403")
    expect(all[3]).toContain("UpdateOrganization")
    await expect.poll(() => page.getAttribute("#chain", "data-state")).toBe("ok")
    expect(await page.textContent("#chain-text")).toMatch(/4 events, 7 entries · \d+ signed checkpoints/)

    await page.fill("#f-operationId", "UpdateOrganization")
    await page.click("form.filters button[type=submit]")
    await expect.poll(async () => (await rows()).length).toBe(2)
    await page.fill("#f-operationId", "")
    await page.fill("#f-status", "201")
    await page.click("form.filters button[type=submit]")
    await expect.poll(async () => (await rows()).map((r) => r.includes("AddOrganizationUsers"))).toEqual([true])
    await page.fill("#f-status", "")
    // A time window after every event: none shown.
    await page.fill("#f-from", "2099-01-01T00:00:00")
    await page.click("form.filters button[type=submit]")
    await expect.poll(async () => (await rows()).length).toBe(0)
    await page.fill("#f-from", "")
    await page.fill("#f-actorId", "reader")
    await page.click("form.filters button[type=submit]")
    await expect.poll(async () => (await rows()).length).toBe(1)

    await page.locator("tr.event").first().click()
    const details = page.locator("tr.details:not([hidden]) pre")
    expect(JSON.parse((await details.textContent()) ?? "{}")).toMatchObject({
      kind: "denial",
      operationId: "DeleteOrganization",
      actor: { id: "reader" },
      status: 403
    })
    await page.screenshot({ path: "/tmp/orgkit-edge-proxy-audit.png" })

    // Tampered with: the page says so and names the first bad event.
    await rewriteAndRehash(localSqlDriver(new DatabaseSync(join(dir, "audit.sqlite"))), 1, (entry) => {
      ;(entry["event"] as Record<string, unknown>)["path"] = "/api/organizations/elsewhere"
    })
    await page.click("#use-key")
    await expect.poll(() => page.getAttribute("#chain", "data-state")).toBe("bad")
    expect(await page.textContent("#chain-state")).toBe("BROKEN")
    expect(await page.textContent("#chain-text")).toContain("first bad event")
    expect(outside).toEqual([])
    await page.close()
  })

  it("shows the proxy's refusal for a key without audit:read", async () => {
    const page = await browser.newPage()
    await page.goto(`${url}/audit`)
    await page.fill("#key", keys.reader.key)
    await page.click("#use-key")
    await page.waitForSelector("body[data-loaded=true]")
    expect(await page.textContent("#error")).toContain("403")
    expect(await page.locator("tr.event").count()).toBe(0)
    await page.close()
  })
})
