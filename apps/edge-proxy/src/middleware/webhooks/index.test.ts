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
  const deliver = (body: string, signature?: string) =>
    app.request(at("/webhooks/logto"), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === undefined ? {} : { "logto-signature-sha-256": signature })
      },
      body
    })
  return { deliver, invalidated, log }
}

const event = JSON.stringify({
  hookId: "hook1",
  event: "Organization.Membership.Updated",
  createdAt: "2026-11-29T12:00:00.000Z",
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
    const body = JSON.stringify({ event: "PostSignIn", user: { id: "u1" } })
    const response = await deliver(body, sign(body))
    expect([response.status, await response.json()]).toEqual([200, { event: "PostSignIn", invalidated: [] }])
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
})
