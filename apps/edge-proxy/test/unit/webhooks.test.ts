/**
 * `POST /webhooks/logto` through the app (`createApp`) over the in-memory cache, a scripted upstream
 * and a manual clock: what a delivery invalidates, what is refused, replays, and what `/metrics`
 * and the log show for each.
 */
import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { memoryCache } from "../../src/cache/memory-cache.ts"
import type { CacheSettings } from "../../src/config.ts"
import { answer, at, bearer, collectingLog, keys, scriptedUpstream, testApp, testPlatform } from "../fixtures/ports.ts"

const signingKey = "logto-signing-key-0001"
const sign = (body: string, key = signingKey) => createHmac("sha256", key).update(body).digest("hex")

const settings: CacheSettings = {
  enabled: true,
  maxAgeMs: 30_000,
  staleIfErrorMs: 0,
  maxEntryBytes: 4_096,
  maxBytes: 1_000_000
}

const setup = () => {
  const platform = testPlatform()
  const log = collectingLog()
  const cache = memoryCache(settings, { now: platform.now, log, leaseMs: 10_000 })
  const upstream = scriptedUpstream((r) =>
    r.target.startsWith("/api/organizations?") || r.target === "/api/organizations"
      ? answer(200, [{ id: "o1" }])
      : answer(200, { id: r.target.split("/")[3] })
  )
  const { app } = testApp({ cache: cache.store, upstream, platform, log, webhookSigningKey: signingKey })
  /** `signature`: the header's value, `null` for none. */
  const deliver = (body: string, signature: string | null = sign(body)) =>
    app.request(at("/webhooks/logto"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === null ? {} : { "logto-signature-sha-256": signature })
      },
      body
    })
  const delivery = (fields: Record<string, unknown>, createdAt = platform.now()) =>
    JSON.stringify({ hookId: "hook1", createdAt: new Date(createdAt).toISOString(), ...fields })
  const xCache = async (path: string) =>
    (await app.request(at(path), { headers: bearer(keys.admin) })).headers.get("x-cache")
  /** The webhook counters as `/metrics` shows them. */
  const counters = async () => {
    const text = await (await app.request(at("/metrics"), { headers: bearer(keys.admin) })).text()
    return Object.fromEntries(
      [...text.matchAll(/^orgkit_webhooks_total\{result="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])])
    )
  }
  return { app, deliver, delivery, xCache, counters, log, platform, cache }
}

describe("logto webhook through the app", () => {
  it("drops the organization's reads and the list for an Organization.* event, before answering", async () => {
    const { deliver, delivery, xCache, counters, log } = setup()
    for (const path of ["/api/organizations/o1", "/api/organizations/o2", "/api/organizations"]) await xCache(path)
    expect(await xCache("/api/organizations/o1")).toBe("HIT")
    const body = delivery({ event: "Organization.Data.Updated", data: { id: "o1" } })
    const response = await deliver(body)
    expect([response.status, await response.json()]).toEqual([
      200,
      { event: "Organization.Data.Updated", invalidated: ["org:o1", "orgs"] }
    ])
    expect([
      await xCache("/api/organizations/o1"),
      await xCache("/api/organizations"),
      await xCache("/api/organizations/o2")
    ]).toEqual(["MISS", "MISS", "HIT"])
    expect(await counters()).toEqual({ accepted: 1, ignored: 0, rejected: 0, replayed: 0 })
    expect(log.lines.filter((l) => l["msg"] === "webhook")).toEqual([
      expect.objectContaining({
        level: "info",
        event: "Organization.Data.Updated",
        invalidated: ["org:o1", "orgs"],
        requestId: expect.stringMatching(/^req-/)
      })
    ])
  })

  it("drops everything for an event whose effect spans organizations", async () => {
    const { deliver, delivery, xCache, counters } = setup()
    await xCache("/api/organizations/o2")
    const response = await deliver(delivery({ event: "OrganizationRole.Deleted", data: { id: "r1" } }))
    expect(await response.json()).toEqual({ event: "OrganizationRole.Deleted", invalidated: ["all"] })
    expect(await xCache("/api/organizations/o2")).toBe("MISS")
    expect((await counters())["accepted"]).toBe(1)
  })

  it("answers 200 for an event that changes no cached read, counts and logs it as ignored", async () => {
    const { deliver, delivery, xCache, counters, log } = setup()
    await xCache("/api/organizations/o1")
    const response = await deliver(delivery({ event: "PostSignIn" }))
    expect(await response.json()).toEqual({ event: "PostSignIn", invalidated: [] })
    expect(await xCache("/api/organizations/o1")).toBe("HIT")
    expect(await counters()).toEqual({ accepted: 0, ignored: 1, rejected: 0, replayed: 0 })
    expect(log.lines.filter((l) => l["msg"] === "webhook ignored")).toEqual([
      expect.objectContaining({ level: "info", event: "PostSignIn", requestId: expect.stringMatching(/^req-\d+$/) })
    ])
    // A signed payload without an event: answered with event null.
    const eventless = await deliver(delivery({ data: { id: "o1" } }))
    expect(await eventless.json()).toEqual({ event: null, invalidated: [] })
    expect((await counters())["ignored"]).toBe(2)
  })

  it("refuses unsigned, malformed and mismatched signatures with 401, counting and logging each reason", async () => {
    const { deliver, delivery, xCache, counters, log } = setup()
    await xCache("/api/organizations/o1")
    const body = delivery({ event: "Organization.Deleted", data: { id: "o1" } })
    const hex = sign(body)
    for (const signature of [
      null,
      `x${hex}`,
      `${hex}0`,
      `${hex.slice(0, 63)}g`,
      `${hex.slice(0, 32)} ${hex.slice(32)}`,
      sign(body, "another-key")
    ]) {
      const response = await deliver(body, signature)
      expect([String(signature), response.status]).toEqual([String(signature), 401])
    }
    expect(await xCache("/api/organizations/o1")).toBe("HIT")
    expect(await counters()).toEqual({ accepted: 0, ignored: 0, rejected: 6, replayed: 0 })
    for (const line of log.lines.filter((l) => l["msg"] === "webhook rejected")) {
      expect(line["requestId"]).toMatch(/^req-\d+$/)
    }
    expect(log.lines.filter((l) => l["msg"] === "webhook rejected").map((l) => [l["level"], l["reason"]])).toEqual([
      ["warn", "no signature"],
      ["warn", "malformed signature"],
      ["warn", "malformed signature"],
      ["warn", "malformed signature"],
      ["warn", "malformed signature"],
      ["warn", "signature mismatch"]
    ])
  })

  it("accepts a signature in upper case or with surrounding white space", async () => {
    const { deliver, delivery } = setup()
    const first = delivery({ event: "Organization.Deleted", data: { id: "o1" } })
    expect((await (await deliver(first, ` ${sign(first).toUpperCase()} `)).json()) as unknown).toEqual({
      event: "Organization.Deleted",
      invalidated: ["org:o1", "orgs"]
    })
  })

  it("accepts createdAt exactly five minutes off either way, and refuses a millisecond more", async () => {
    const { deliver, delivery, platform, counters, log } = setup()
    const now = platform.now()
    for (const createdAt of [now - 300_000, now + 300_000]) {
      const response = await deliver(delivery({ event: "Organization.Deleted", data: { id: "o1" } }, createdAt))
      expect([createdAt - now, response.status]).toEqual([createdAt - now, 200])
    }
    for (const createdAt of [now - 300_001, now + 300_001]) {
      const response = await deliver(delivery({ event: "Organization.Deleted", data: { id: "o1" } }, createdAt))
      expect([createdAt - now, response.status]).toEqual([createdAt - now, 401])
    }
    // A signed `null` or a payload without createdAt is refused the same way (not a 500).
    expect((await deliver("null")).status).toBe(401)
    expect((await deliver('{"event":"Organization.Deleted"}')).status).toBe(401)
    expect(await counters()).toEqual({ accepted: 2, ignored: 0, rejected: 4, replayed: 0 })
    expect(log.lines.filter((l) => l["msg"] === "webhook rejected").map((l) => l["reason"])).toEqual(
      Array(4).fill("createdAt missing or outside the delivery window")
    )
  })

  it("answers 400 with Logto's error body to a signed body that is not JSON, and counts nothing", async () => {
    const { deliver, counters } = setup()
    const response = await deliver("{not json")
    expect([response.status, await response.json()]).toEqual([
      400,
      { code: "proxy.webhook_invalid_body", message: "The webhook body is not JSON." }
    ])
    expect(await counters()).toEqual({ accepted: 0, ignored: 0, rejected: 0, replayed: 0 })
  })

  it("recognises a replay whatever the signature's case: answered, counted, logged, not applied again", async () => {
    const { deliver, delivery, xCache, counters, log } = setup()
    const body = delivery({ event: "Organization.Deleted", data: { id: "o1" } })
    expect((await deliver(body, sign(body))).status).toBe(200)
    await xCache("/api/organizations/o1")
    const again = await deliver(body, sign(body).toUpperCase())
    expect([again.status, await again.json()]).toEqual([200, { event: null, invalidated: [], replayed: true }])
    expect(await xCache("/api/organizations/o1")).toBe("HIT")
    expect(await counters()).toEqual({ accepted: 1, ignored: 0, rejected: 0, replayed: 1 })
    expect(log.lines.filter((l) => l["msg"] === "webhook replay ignored")).toEqual([
      expect.objectContaining({ level: "warn", requestId: expect.stringMatching(/^req-/) })
    ])
    // An ignored delivery is remembered too.
    const ignored = delivery({ event: "PostSignIn" })
    await deliver(ignored)
    expect(await (await deliver(ignored)).json()).toEqual({ event: null, invalidated: [], replayed: true })
  })

  it("remembers a delivery at the window's very edge, and knows a replay by its signature's hex alone", async () => {
    const { deliver, delivery, platform } = setup()
    const edge = delivery({ event: "Organization.Deleted", data: { id: "edge" } }, platform.now() - 300_000)
    await deliver(edge, ` ${sign(edge)} `)
    // Remembering the next delivery keeps `edge`: it is exactly at the horizon, not before it.
    await deliver(delivery({ event: "PostSignIn" }))
    expect(await (await deliver(edge, sign(edge))).json()).toEqual({ event: null, invalidated: [], replayed: true })
  })

  it("forgets a delivery once it is out of the window, and the oldest beyond 10,000 remembered", async () => {
    const { deliver, delivery, platform, counters } = setup()
    const early = delivery({ event: "Organization.Deleted", data: { id: "early" } })
    await deliver(early)
    platform.advance(200_000)
    const later = delivery({ event: "Organization.Deleted", data: { id: "later" } })
    await deliver(later)
    platform.advance(100_001)
    // `early` is past the window now: remembering the next delivery forgets it, but not `later`.
    await deliver(delivery({ event: "PostSignIn", n: 0 }))
    expect((await deliver(early)).status).toBe(401)
    expect(await (await deliver(later)).json()).toMatchObject({ replayed: true })

    // Within the window, the memory is bounded: the oldest of more than 10,000 is forgotten first.
    const first = delivery({ event: "Organization.Deleted", data: { id: "first" } })
    const second = delivery({ event: "Organization.Deleted", data: { id: "second" } })
    await deliver(first)
    await deliver(second)
    for (let n = 1; n < 9_997; n++) await deliver(delivery({ event: "PostSignIn", n }))
    // 10,000 remembered now (`later`, the first `PostSignIn`, `first`, `second`, 9,996 others).
    expect(await (await deliver(first)).json()).toMatchObject({ replayed: true })
    // One more forgets the oldest, `later`: it is applied again (and remembered, forgetting the next oldest).
    await deliver(delivery({ event: "PostSignIn", n: 10_000 }))
    expect(await (await deliver(later)).json()).toEqual({
      event: "Organization.Deleted",
      invalidated: ["org:later", "orgs"]
    })
    await deliver(delivery({ event: "PostSignIn", n: 10_001 }))
    expect(await (await deliver(second)).json()).toMatchObject({ replayed: true })
    expect(await (await deliver(first)).json()).toEqual({
      event: "Organization.Deleted",
      invalidated: ["org:first", "orgs"]
    })
    expect((await counters())["replayed"]).toBe(3)
  }, 120_000)

  it("is off without a signing key: 404, plain text, nothing counted", async () => {
    const { app } = testApp({ log: collectingLog() })
    const body = JSON.stringify({ event: "Organization.Deleted", createdAt: new Date().toISOString() })
    const response = await app.request(at("/webhooks/logto"), {
      method: "POST",
      headers: { "logto-signature-sha-256": sign(body) },
      body
    })
    expect([response.status, response.headers.get("content-type"), await response.text()]).toEqual([
      404,
      "text/plain; charset=utf-8",
      "Not Found"
    ])
  })
})
