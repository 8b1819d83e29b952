import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { at, collectingLog, testApp } from "../../../test/fixtures/ports.ts"
import { passThroughCache } from "../../ports.ts"

const signingKey = "logto-signing-key-0001"
const sign = (body: string, key = signingKey) => createHmac("sha256", key).update(body).digest("hex")

const setup = (key: string | undefined) => {
  const invalidated: Array<ReadonlyArray<string>> = []
  const log = collectingLog()
  const { app } = testApp({
    webhookSigningKey: key,
    log,
    cache: { ...passThroughCache, invalidate: (tags) => (invalidated.push(tags), Promise.resolve()) }
  })
  const deliver = (body: string | ReadableStream<Uint8Array>, signature?: string) =>
    app.request(at("/webhooks/logto"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === undefined ? {} : { "logto-signature-sha-256": signature })
      },
      body,
      ...(typeof body === "string" ? {} : { duplex: "half" })
    } as RequestInit)
  return { deliver, invalidated, log }
}

// The test platform's clock.
const now = 1_700_000_000_000

const event = JSON.stringify({
  hookId: "hook1",
  event: "Organization.Membership.Updated",
  createdAt: new Date(now).toISOString(),
  organizationId: "acmecorp0001",
  addedUserIds: ["u1"]
})

describe("logto webhook", () => {
  it("accepts a delivery signed with the signing key and invalidates before answering", async () => {
    const { deliver, invalidated } = setup(signingKey)
    const response = await deliver(event, sign(event))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      event: "Organization.Membership.Updated",
      invalidated: ["org:acmecorp0001", "orgs"]
    })
    expect(invalidated).toEqual([["org:acmecorp0001", "orgs"]])
    expect((await deliver(event, sign(event).toUpperCase())).status).toBe(200)
  })

  it("answers 401 and invalidates nothing for a missing, malformed, wrong or wrong-key signature", async () => {
    const { deliver, invalidated, log } = setup(signingKey)
    const tampered = event.replace("u1", "u2")
    for (const signature of [undefined, "zz", sign(event).slice(2), sign(tampered), sign(event, "another-key")]) {
      const response = await deliver(event, signature)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        code: "proxy.webhook_unauthorized",
        message: "The webhook signature is missing or invalid."
      })
    }
    expect(invalidated).toEqual([])
    expect(log.lines.filter((l) => l["msg"] === "webhook rejected")).toHaveLength(5)
  })

  it("answers 200 and invalidates nothing for an event that changes no cached read", async () => {
    const { deliver, invalidated } = setup(signingKey)
    const body = JSON.stringify({ event: "PostSignIn", createdAt: new Date(now).toISOString(), user: { id: "u1" } })
    const response = await deliver(body, sign(body))
    expect([response.status, await response.json()]).toEqual([200, { event: "PostSignIn", invalidated: [] }])
    expect(invalidated).toEqual([])
  })

  it("refuses a delivery whose createdAt is missing or more than five minutes from the clock (replay window)", async () => {
    const { deliver, invalidated } = setup(signingKey)
    for (const createdAt of [
      undefined,
      "yesterday",
      new Date(now - 300_001).toISOString(),
      new Date(now + 300_001).toISOString()
    ]) {
      const body = JSON.stringify({ event: "Organization.Deleted", createdAt, data: { id: "acmecorp0001" } })
      expect((await deliver(body, sign(body))).status, String(createdAt)).toBe(401)
    }
    const fresh = JSON.stringify({
      event: "Organization.Deleted",
      createdAt: new Date(now - 299_000).toISOString(),
      data: { id: "o2" }
    })
    expect((await deliver(fresh, sign(fresh))).status).toBe(200)
    expect(invalidated).toEqual([["org:o2", "orgs"]])
  })

  it("answers a replayed delivery 200 without applying it again, and counts it", async () => {
    const { deliver, invalidated } = setup(signingKey)
    expect((await deliver(event, sign(event))).status).toBe(200)
    const again = await deliver(event, sign(event))
    expect([again.status, await again.json()]).toEqual([200, { event: null, invalidated: [], replayed: true }])
    expect(invalidated).toHaveLength(1)
  })

  it("refuses a chunked delivery over 64 KiB while it streams, signature or not", async () => {
    const { deliver, invalidated } = setup(signingKey)
    let pulled = 0
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull: (controller) => {
          pulled += 16_384
          if (pulled > 8 * 1_048_576) controller.close()
          else controller.enqueue(new Uint8Array(16_384).fill(0x20))
        }
      })
    const response = await deliver(endless(), "a".repeat(64))
    expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([
      413,
      "proxy.payload_too_large"
    ])
    expect(pulled).toBeLessThan(1_048_576)
    pulled = 0
    expect((await deliver(endless())).status).toBe(401)
    expect(pulled).toBeLessThan(1_048_576)
    expect(invalidated).toEqual([])
  })

  it("answers 400 to a signed body that is not JSON", async () => {
    const { deliver } = setup(signingKey)
    expect((await deliver("not json", sign("not json"))).status).toBe(400)
  })

  it("is off (404) without a signing key", async () => {
    const { deliver } = setup(undefined)
    expect((await deliver(event, sign(event))).status).toBe(404)
  })

  it("answers 400 proxy.body_incomplete, not a 500, when the sender hangs up mid-body", async () => {
    const { deliver, invalidated, log } = setup(signingKey)
    const broken = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.error(new Error("the sender hung up"))
    })
    const response = await deliver(broken, sign(event))
    expect([response.status, ((await response.json()) as { code: string }).code]).toEqual([
      400,
      "proxy.body_incomplete"
    ])
    expect(invalidated).toEqual([])
    expect(log.lines.filter((l) => l["level"] === "error")).toEqual([])
  })
})
