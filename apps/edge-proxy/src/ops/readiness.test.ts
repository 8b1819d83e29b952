import { describe, expect, it } from "vitest"
import { at, testApp } from "../../test/fixtures/ports.ts"
import type { AuditStore } from "../audit/index.ts"
import type { TokenSource } from "../ports.ts"

const tokens = (fail: () => boolean, calls: { n: number }): TokenSource => ({
  get: () => (calls.n++, fail() ? Promise.reject(new Error("invalid_client")) : Promise.resolve("t")),
  invalidate: () => undefined
})

describe("readyz", () => {
  it("is 200 when a token can be had, 503 naming the check when not, and reuses its answer for 5 s", async () => {
    let failing = false
    const calls = { n: 0 }
    const { app, platform } = testApp({ tokens: tokens(() => failing, calls) })
    const first = await app.request(at("/readyz"))
    expect([first.status, await first.json()]).toEqual([200, { status: "ready", checks: { token: "ok" } }])
    failing = true
    await Promise.all([app.request(at("/readyz")), app.request(at("/readyz"))])
    expect(calls.n).toBe(1)
    platform.advance(5_000)
    const down = await app.request(at("/readyz"))
    expect([down.status, await down.json()]).toEqual([
      503,
      { status: "not_ready", checks: { token: "invalid_client" } }
    ])
    expect(calls.n).toBe(2)
  })

  it("is 503 while the audit store refuses writes, and ready again once it accepts one", async () => {
    let refuse = true
    const { app, platform } = testApp({
      auditStore: {} as AuditStore,
      audit: {
        accept: () => (refuse ? Promise.reject(new Error("locked")) : Promise.resolve({ id: "e" })),
        settle: () => Promise.resolve()
      }
    })
    const write = () =>
      app.request(at("/api/organizations/o1"), {
        method: "DELETE",
        headers: { authorization: "Bearer admin-key-0123456789" }
      })
    expect((await app.request(at("/readyz"))).status).toBe(200)
    platform.advance(5_000)
    expect((await write()).status).toBe(503)
    const down = await app.request(at("/readyz"))
    expect([down.status, await down.json()]).toEqual([
      503,
      { status: "not_ready", checks: { token: "ok", audit: "the audit store refused the last write" } }
    ])
    refuse = false
    platform.advance(5_000)
    expect((await write()).status).toBe(200)
    expect((await app.request(at("/readyz"))).status).toBe(200)
  })
})
