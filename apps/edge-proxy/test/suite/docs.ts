/**
 * The proxy's own routes: its OpenAPI document, the API reference, the health and readiness checks.
 */
import { RouteTable } from "@orgkit/core"
import { describe, expect, it } from "vitest"
import { docsAssets } from "../../src/docs/assets.ts"
import { keys } from "../fixtures/e2e.ts"
import type { Target } from "./harness.ts"

export const describeDocs = (target: () => Target) =>
  describe("own routes", () => {
    it("serves core's OpenAPI document with the proxy as server and the bearer scheme", async () => {
      const t = target()
      const response = await t.call("/openapi.json")
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
      const document = (await response.json()) as {
        servers: Array<{ url: string }>
        paths: Record<string, Record<string, { operationId: string; security?: unknown }>>
        components: { securitySchemes: unknown }
      }
      expect(document.servers).toEqual([{ url: t.origin }])
      expect(document.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } })
      const operations = Object.values(document.paths).flatMap((item) => Object.values(item))
      expect(operations.map((op) => op.operationId).sort()).toEqual(RouteTable.routes.map((r) => r.operationId).sort())
      expect(operations.every((op) => JSON.stringify(op.security) === '[{"bearer":[]}]')).toBe(true)
    })

    it("leads from / and /docs to the API reference, served offline with its own CSP", async () => {
      const t = target()
      for (const [path, status] of [
        ["/", 302],
        ["/docs", 301]
      ] as const) {
        const response = await t.call(path, { redirect: "manual" })
        expect([response.status, new URL(response.headers.get("location")!, t.origin).pathname]).toEqual([
          status,
          "/docs/"
        ])
      }
      // On Workers the files are static assets, answered by Cloudflare before the Worker runs (the
      // Worker itself is what this suite calls there): `test/node/readme-workers.test.ts` fetches them
      // from `wrangler dev`.
      if (t.runtime === "workerd") return
      const page = await t.call("/docs/")
      const html = await page.text()
      expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"])
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'")
      expect(html).toContain('<script src="./swagger-ui-bundle.js"></script>')
      expect(html).not.toMatch(/https?:\/\//)
      for (const name of docsAssets.map((a) => a.name).filter((n) => n !== "index.html")) {
        const asset = await t.call(`/docs/${name}`)
        expect([name, asset.status, asset.headers.get("content-type")?.split(";")[0]]).toEqual([
          name,
          200,
          docsAssets.find((a) => a.name === name)!.contentType.split(";")[0]
        ])
        await asset.arrayBuffer()
      }
      const favicon = await t.call("/favicon.ico", { redirect: "manual" })
      expect([favicon.status, favicon.headers.get("location")]).toEqual([301, "/docs/favicon-32x32.png"])
      expect((await t.call("/docs/nothing-here.js")).status).toBe(404)
    })

    it("is ready: a Logto token can be had and the audit trail accepts writes", async () => {
      const response = await target().call("/readyz")
      const body = (await response.json()) as { status: string; checks: Record<string, string> }
      expect([response.status, body.status, body.checks["token"]]).toEqual([200, "ready", "ok"])
    })

    it("counts requests by operation and status, and the proxy's own refusals, in /metrics", async () => {
      const t = target()
      const metric = async (line: string): Promise<number> => {
        const text = await (
          await t.call("/metrics", { headers: { authorization: `Bearer ${keys.reader.key}` } })
        ).text()
        const found = text.split("\n").find((l) => l.startsWith(`${line} `))
        return found === undefined ? 0 : Number(found.slice(line.length + 1))
      }
      const ok = 'orgkit_requests_total{operation="ListOrganizationUserScopes",status="401"}'
      const denied = 'orgkit_denials_total{code="auth.authorization_header_missing"}'
      const [before, deniedBefore] = [await metric(ok), await metric(denied)]
      for (let i = 0; i < 3; i++) await (await t.call("/api/organizations/x/users/y/scopes")).arrayBuffer()
      expect([(await metric(ok)) - before, (await metric(denied)) - deniedBefore]).toEqual([3, 3])
      const text = await (await t.call("/metrics", { headers: { authorization: `Bearer ${keys.reader.key}` } })).text()
      expect(text).toContain("# TYPE orgkit_request_duration_seconds histogram")
      expect(text).toContain("# TYPE orgkit_audit_deliveries_total counter")
    })

    it("answers the health check", async () => {
      const response = await target().call("/healthz")
      expect([response.status, await response.json()]).toEqual([200, { status: "ok" }])
    })
  })
