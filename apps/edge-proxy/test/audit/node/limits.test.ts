/**
 * What the recorder counts instead of recording, on a fake clock: requests without a valid key (one
 * summary line at once, then one when the minute is over with the rest), and a known key's denials
 * past its per-minute ceiling (a line at the first one, and the minute's count when it is over).
 */
import { RouteTable } from "@orgkit/core"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { Denial } from "../../../src/audit/event.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import type { AuditStore } from "../../../src/audit/store.ts"
import type { AuditAttempt } from "../../../src/ports.ts"

const route = RouteTable.routes.find((r) => r.operationId === "AddOrganizationUsers")!
const start = Date.UTC(2026, 11, 1, 12, 0, 0)

const attempt = (principal: AuditAttempt["principal"]): AuditAttempt => ({
  requestId: "r",
  route,
  params: { id: "org-acme" },
  principal,
  method: "POST",
  path: "/api/organizations/org-acme/users",
  payload: undefined,
  headers: new Headers(),
  startedAt: Date.now()
})

const reader = { id: "reader", name: "Support", scopes: new Set(["read" as const]), organizations: undefined }

const setup = (denialsPerMinute = 60) => {
  const denials: Array<Denial> = []
  const lines: Array<Record<string, unknown>> = []
  const store = {
    deny: async (d: Denial) => (denials.push(d), { id: d.id, seq: 1, hash: "" })
  } as unknown as AuditStore
  const recorder = makeRecorder({
    store,
    log: (l) => void lines.push({ ...l }),
    now: () => Date.now(),
    denialsPerMinute
  })
  return {
    recorder,
    denials,
    lines,
    summaries: (prefix: string) => lines.filter((l) => String(l["msg"]).startsWith(prefix))
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: start })
})
afterEach(() => {
  vi.useRealTimers()
})

describe("requests without a valid key", () => {
  it("are counted, summarized at once and then once the minute is over, and never recorded", async () => {
    const { recorder, denials, summaries } = setup()
    const unauthorized = { status: 401, errorCode: "auth.unauthorized", latencyMs: 1 }
    for (let i = 0; i < 5; i++) await recorder.settle(attempt(undefined), undefined, unauthorized)
    vi.advanceTimersByTime(30_000)
    for (let i = 0; i < 3; i++) await recorder.settle(attempt(undefined), undefined, unauthorized)
    expect(summaries("audit: unauthenticated")).toEqual([expect.objectContaining({ count: 1, total: 1 })])
    vi.advanceTimersByTime(30_000)
    expect(summaries("audit: unauthenticated")).toEqual([
      expect.objectContaining({ count: 1, total: 1 }),
      expect.objectContaining({ count: 7, total: 8 })
    ])
    vi.advanceTimersByTime(120_000)
    expect(summaries("audit: unauthenticated")).toHaveLength(2)
    expect(denials).toEqual([])
    expect(recorder.counters).toEqual({ unauthenticated: 8, denialsOverCeiling: 0 })
  })
})

describe("a known key's denials", () => {
  it("are recorded up to the ceiling a minute, then counted: one line at the first, the count when the minute is over", async () => {
    const { recorder, denials, summaries } = setup(3)
    const forbidden = { status: 403, errorCode: "auth.forbidden", latencyMs: 1 }
    for (let i = 0; i < 5; i++) await recorder.settle(attempt(reader), undefined, forbidden)
    expect(denials).toHaveLength(3)
    expect(summaries("audit: denials over")).toEqual([
      expect.objectContaining({ keyId: "reader", ceiling: 3, first: "AddOrganizationUsers" })
    ])
    vi.advanceTimersByTime(60_000)
    expect(summaries("audit: denials over")).toEqual([
      expect.objectContaining({ first: "AddOrganizationUsers" }),
      expect.objectContaining({ keyId: "reader", count: 2, minute: new Date(start).toISOString() })
    ])
    // A new minute: recorded again, and the closed minute is not summarized twice.
    await recorder.settle(attempt(reader), undefined, forbidden)
    expect(denials).toHaveLength(4)
    expect(summaries("audit: denials over")).toHaveLength(2)
    expect(recorder.counters.denialsOverCeiling).toBe(2)
    expect(recorder.metrics()).toContain('orgkit_audit_unrecorded_total{reason="denial_ceiling"} 2')
  })
})
