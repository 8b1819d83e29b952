/**
 * The Promise API in a browser: `src/index.ts` bundled by esbuild for the browser (which fails on
 * any Node built-in), loaded by a page in headless Chromium from Debian, and run against the fake
 * Logto served from the page's own origin over real HTTP, with every other connection refused.
 * Skipped (saying why) only when /usr/bin/chromium is absent; CI installs it.
 */
import type { PromiseClient as Client } from "@orgkit/client"
import { FakeLogto } from "@orgkit/testing"
import * as esbuild from "esbuild"
import { existsSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ids, m2m, token, world } from "./fixtures/fake.ts"

const executablePath = "/usr/bin/chromium"
const available = existsSync(executablePath)
if (!available)
  console.warn(`skipping the client's browser test: ${executablePath} is missing (apt-get install -y chromium)`)

const page = `<!doctype html><meta charset="utf-8"><title>orgkit client</title>
<script type="module">
  import * as orgkit from "/client.js"
  window.orgkit = orgkit
  document.body.dataset.ready = "true"
</script><body></body>`

let bundle: esbuild.BuildResult<{ write: false; metafile: true }>
let server: Server
let origin: string
let browser: Browser

/** One origin for the page, the bundle and the fake (no CORS involved): the fake answers the rest. */
const serve = (fake: FakeLogto.Instance, script: string) =>
  createServer(async (req, res) => {
    if (req.url === "/" || req.url === "/client.js") {
      res.writeHead(200, { "content-type": req.url === "/" ? "text/html" : "text/javascript" })
      return res.end(req.url === "/" ? page : script)
    }
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value)
    const body = chunks.length === 0 ? null : Buffer.concat(chunks)
    const answer = await fake.fetch(new Request(`${origin}${req.url}`, { method: req.method!, headers, body }))
    res.writeHead(answer.status, Object.fromEntries(answer.headers))
    res.end(Buffer.from(await answer.arrayBuffer()))
  })

describe.skipIf(!available)(`the Promise API in headless Chromium (${executablePath})`, () => {
  beforeAll(async () => {
    bundle = await esbuild.build({
      entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent"
    })
    const fake = FakeLogto.make({ tokens: [token], clients: [m2m], seed: world })
    server = serve(fake, bundle.outputFiles[0]!.text)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    })
  })
  afterAll(async () => {
    await browser?.close()
    if (server !== undefined) await new Promise((resolve) => server.close(resolve))
  })

  it("bundles for the browser without any Node built-in", () => {
    const imports = Object.values(bundle.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path))
    expect(imports).toEqual([])
    expect(Object.keys(bundle.metafile.inputs).filter((path) => path.startsWith("node:"))).toEqual([])
  })

  it("calls every kind of operation, pages, fails and aborts as in Node", async () => {
    const tab = await browser.newPage()
    const outside: Array<string> = []
    await tab.route("**/*", (route) => {
      const url = route.request().url()
      if (url.startsWith(origin)) return route.continue()
      outside.push(url)
      return route.abort()
    })
    await tab.goto(`${origin}/`)
    await tab.waitForSelector("body[data-ready=true]", { state: "attached", timeout: 15_000 })
    const result = await tab.evaluate(
      async ({ ids, m2m, token }) => {
        const { PromiseClient } = (window as unknown as { orgkit: { PromiseClient: typeof Client } }).orgkit
        const client = PromiseClient.createOrgkitClient({ baseUrl: location.origin, token })
        const machine = PromiseClient.createOrgkitClient({ baseUrl: location.origin, clientCredentials: m2m })
        const created = await client.createOrganization({ name: "Initech", description: "from the browser" })
        await client.addOrganizationUsers(created.id, { userIds: [ids.u1, ids.u2] })
        await client.assignOrganizationRolesToUser(created.id, ids.u1, { organizationRoleNames: ["admin"] })
        const members = await client.listOrganizationUsers(created.id, { pageSize: 1 })
        const names: Array<string> = []
        for await (const org of machine.paginate("listOrganizations", { pageSize: 1 })) names.push(org.name)
        const missing = await client.getOrganization("org-missing").catch((error: unknown) => error)
        const aborted = new AbortController()
        aborted.abort()
        const abort = await client.getOrganization(ids.org, { signal: aborted.signal }).catch((e: unknown) => e)
        await client.deleteOrganization(created.id)
        await client.close()
        await machine.close()
        return {
          created: created.name,
          members: { count: members.items.length, total: members.totalCount },
          names: names.sort(),
          missing: {
            isApiError: missing instanceof PromiseClient.LogtoApiError,
            status: (missing as { status?: number }).status,
            code: (missing as { code?: string }).code,
            requestId: typeof (missing as { requestId?: unknown }).requestId
          },
          abort: (abort as { name?: string }).name
        }
      },
      { ids, m2m, token }
    )
    await tab.close()
    expect(result).toEqual({
      created: "Initech",
      members: { count: 1, total: 2 },
      names: ["Acme", "Globex", "Initech"],
      missing: { isApiError: true, status: 404, code: "entity.not_exists_with_id", requestId: "string" },
      abort: "AbortError"
    })
    expect(outside).toEqual([])
  })
})
