/**
 * The API reference (Swagger UI at `/docs/`, reached from `/`) in headless Chromium from Debian,
 * with every outside connection refused: it must render all 36 operations from /openapi.json with
 * their Markdown, keep the key for the session, call the proxy from "Try it out" (with its curl
 * sample), refuse an empty required path parameter, and search. Screenshots go
 * to /tmp/orgkit-edge-proxy-docs.png and /tmp/orgkit-edge-proxy-docs-try-it.png. Skipped (saying why) only when /usr/bin/chromium is
 * absent; CI installs it.
 */
import { RouteTable } from "@orgkit/core"
import { Demo, FakeLogto } from "@orgkit/testing"
import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NodeProxy } from "../../src/adapters/node/server.ts"
import { client, directToken, keys, proxyEnv } from "../fixtures/e2e.ts"
import { startLoopbackProxy } from "../fixtures/node-proxy.ts"
import { collectingLog } from "../fixtures/ports.ts"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
if (!available)
  console.warn(`skipping the /docs browser test: ${executablePath} is missing (apt-get install -y chromium)`)

let fake: FakeLogto.Server
let proxy: NodeProxy
let browser: Browser

describe.skipIf(!available)(`GET /docs in headless Chromium (${executablePath})`, () => {
  beforeAll(async () => {
    fake = await FakeLogto.serve({
      host: "127.0.0.1",
      port: 0,
      seed: Demo.seed,
      tokens: [directToken],
      clients: [client]
    })
    proxy = await startLoopbackProxy(proxyEnv(fake.url), { log: collectingLog() })
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
    await proxy?.close()
    await fake?.close()
  })

  it("renders all 36 operations from / without any outside request; try-it, search, session key, snippets", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const outside: Array<string> = []
    const sent: Array<string> = []
    await page.route("**/*", (route) => {
      const url = route.request().url()
      if (!url.startsWith(proxy.url)) {
        outside.push(url)
        return route.abort()
      }
      if (url.includes("/api/")) sent.push(`${route.request().method()} ${url.slice(proxy.url.length)}`)
      return route.continue()
    })
    await page.goto(`${proxy.url}/`)
    expect(new URL(page.url()).pathname).toBe("/docs/")
    await page.waitForSelector("body[data-ready=true] .opblock", { timeout: 15_000 })
    const ids = await page.$$eval(".opblock .opblock-summary-operation-id", (els) => els.map((el) => el.textContent))
    expect([...ids].sort()).toEqual(RouteTable.routes.map((r) => r.operationId).sort())

    // Markdown is rendered: backticks become code.
    const expand = async (operation: ReturnType<typeof page.locator>) => {
      if (!((await operation.getAttribute("class")) ?? "").includes("is-open")) {
        await operation.locator(".opblock-summary").click()
      }
    }
    const list = page.locator("#operations-Organizations-ListOrganizations")
    await expand(list)
    expect(await list.locator(".opblock-description-wrapper code").first().textContent()).toBe("Total-Number")

    // The key, once given, is kept for the session (across a reload).
    await page.locator(".auth-wrapper .authorize").click()
    await page.locator(".auth-container input").fill(keys.admin.key)
    await page.locator(".auth-btn-wrapper .authorize").click()
    await page.locator(".auth-btn-wrapper .btn-done").click()
    await page.reload()
    await page.waitForSelector("body[data-ready=true] .opblock")
    await expect.poll(() => page.locator(".auth-wrapper .authorize").getAttribute("class")).toContain("locked")

    // Try it: the call goes to the proxy with the key; the answer and its curl sample are shown.
    // (The deep link of the reload keeps ListOrganizations open.)
    const listAgain = page.locator("#operations-Organizations-ListOrganizations")
    await expand(listAgain)
    await listAgain.locator('tr[data-param-name="page_size"] input').fill("2")
    await listAgain.locator(".execute").click()
    await expect.poll(() => listAgain.locator(".live-responses-table").textContent()).toContain("total-number: 3")
    expect(await listAgain.locator(".live-responses-table").textContent()).toContain('"name": "Acme"')
    expect(await listAgain.locator(".request-snippets").textContent()).toContain(
      `Authorization: Bearer ${keys.admin.key}`
    )
    await page.screenshot({ path: "/tmp/orgkit-edge-proxy-docs-try-it.png" })

    // A required path parameter left empty is refused in the page: nothing is sent.
    const get = page.locator("#operations-Organizations-GetOrganization")
    await expand(get)
    const before = sent.length
    await get.locator(".execute").click()
    await expect.poll(() => get.locator('tr[data-param-name="id"] input').getAttribute("class")).toContain("invalid")
    expect(sent.slice(before)).toEqual([])

    // Search filters by operation id, path or summary.
    await page.locator(".operation-filter-input").fill("JitEmailDomain")
    await expect
      .poll(() => page.$$eval(".opblock .opblock-summary-operation-id", (els) => els.map((el) => el.textContent)))
      .toEqual(RouteTable.routes.map((r) => r.operationId).filter((id) => id.includes("JitEmailDomain")))

    await page.screenshot({ path: "/tmp/orgkit-edge-proxy-docs.png" })
    // Swagger UI fills in the documented default of `page`.
    expect(sent).toEqual(["GET /api/organizations?page=1&page_size=2"])
    expect(outside).toEqual([])
    await page.close()
  })
})
