import { describe, expect, it } from "vitest"
import { at, bearer, keys, testApp } from "../../../test/fixtures/ports.ts"

describe("request-id", () => {
  it("generates an id when the caller sends none and answers with it", async () => {
    const { app, log } = testApp()
    const response = await app.request(at("/healthz"))
    expect(response.headers.get("x-request-id")).toBe("req-1")
    expect(log.lines.at(-1)?.["requestId"]).toBe("req-1")
  })

  it("keeps the caller's id", async () => {
    const { app, log } = testApp()
    const response = await app.request(at("/healthz"), { headers: { "x-request-id": "trace-abc.123" } })
    expect(response.headers.get("x-request-id")).toBe("trace-abc.123")
    expect(log.lines.at(-1)?.["requestId"]).toBe("trace-abc.123")
  })

  it("replaces an id with spaces or over 200 characters", async () => {
    const { app } = testApp()
    const spaced = await app.request(at("/healthz"), { headers: { "x-request-id": "a b" } })
    const long = await app.request(at("/healthz"), { headers: { "x-request-id": "x".repeat(201) } })
    expect(spaced.headers.get("x-request-id")).toBe("req-1")
    expect(long.headers.get("x-request-id")).toBe("req-2")
  })

  it("is on error answers the proxy makes itself", async () => {
    const { app } = testApp()
    const unknown = await app.request(at("/api/nothing"), { headers: { "x-request-id": "r1" } })
    const unauthorized = await app.request(at("/api/organizations"), { headers: { "x-request-id": "r2" } })
    const invalid = await app.request(at("/api/organizations?page=abc"), {
      headers: { "x-request-id": "r3", ...bearer(keys.admin) }
    })
    expect([unknown.status, unauthorized.status, invalid.status]).toEqual([404, 401, 400])
    expect([unknown, unauthorized, invalid].map((r) => r.headers.get("x-request-id"))).toEqual(["r1", "r2", "r3"])
  })
})
