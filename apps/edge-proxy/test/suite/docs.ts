/**
 * The proxy's own routes: its OpenAPI document, the reference page and the health check.
 */
import { RouteTable } from "@orgkit/core"
import { describe, expect, it } from "vitest"
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

    it("serves a self-contained reference page", async () => {
      const response = await target().call("/docs")
      const html = await response.text()
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(response.headers.get("content-security-policy")).toContain("connect-src 'self'")
      expect(html).toContain('fetch("/openapi.json")')
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3)/)
    })

    it("answers the health check", async () => {
      const response = await target().call("/healthz")
      expect([response.status, await response.json()]).toEqual([200, { status: "ok" }])
    })
  })
