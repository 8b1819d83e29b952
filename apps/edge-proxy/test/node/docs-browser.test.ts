/**
 * `GET /docs` in headless Chromium from Debian, with every outside connection refused: the page
 * must render all 36 operations from /openapi.json and "Try it" must call the proxy. Screenshots go
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

  it("renders all 36 operations without any outside request, and Try it calls the proxy", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const outside: Array<string> = []
    await page.route("**/*", (route) => {
      const url = route.request().url()
      if (url.startsWith(proxy.url)) return route.continue()
      outside.push(url)
      return route.abort()
    })
    await page.goto(`${proxy.url}/docs#op-ListOrganizations`)
    await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 })
    const rendered = await page.$$eval(".operation", (els) => els.map((el) => el.getAttribute("data-operation-id")))
    expect(rendered).toHaveLength(36)
    expect([...rendered].sort()).toEqual(RouteTable.routes.map((r) => r.operationId).sort())
    expect(await page.textContent("#count")).toBe("36")
    expect(await page.textContent("#server")).toBe(proxy.url)

    await page.fill("#key", keys.admin.key)
    const list = page.locator("#op-ListOrganizations")
    await list.locator("input[name=page_size]").fill("2")
    await list.getByRole("button", { name: "Send GET" }).click()
    await expect.poll(() => list.locator("pre").textContent()).toContain("total-number: 3")
    expect(await list.locator("pre").textContent()).toContain('"name": "Acme"')

    await page.screenshot({ path: "/tmp/orgkit-edge-proxy-docs-try-it.png" })
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: "/tmp/orgkit-edge-proxy-docs.png" })
    expect(outside).toEqual([])
    await page.close()
  })
})
