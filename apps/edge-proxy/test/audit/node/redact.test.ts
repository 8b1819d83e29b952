/**
 * What of a request the audit trail keeps: secrets by name at any depth (the wider list of issue
 * 13), credentials inside URL values and in the request path, the client IP only from the trusted
 * header, and every stored field capped.
 */
import { RouteTable } from "@orgkit/core"
import { describe, expect, it } from "vitest"
import type { Denial } from "../../../src/audit/event.ts"
import { clientIpFrom, fieldCaps, makeRecorder } from "../../../src/audit/recorder.ts"
import { recordedRequest, redactedValue, redactUrl, secretKey } from "../../../src/audit/redact.ts"
import type { AuditStore } from "../../../src/audit/store.ts"

describe("secret names", () => {
  it("redacts the issue's names and the secret/token/key patterns, and keeps ordinary fields", () => {
    for (const name of [
      "passphrase",
      "pwd",
      "PWD",
      "pin",
      "userPin",
      "privKey",
      "stripe_key",
      "apiKey",
      "api-key",
      "key",
      "clientSecret",
      "client_secret",
      "refresh_token",
      "accessToken",
      "password",
      "passwd",
      "PRIVATE-KEY",
      "credentials",
      "Authorization",
      "cookie",
      "sessionId",
      "signingKey",
      "webhookSignature",
      "config"
    ]) {
      expect(secretKey.test(name), name).toBe(true)
    }
    for (const name of [
      "name",
      "description",
      "customData",
      "mapping",
      "shipping",
      "monkey",
      "keyboardLayout",
      "region",
      "userIds",
      "isMfaRequired",
      "branding",
      "color"
    ]) {
      expect(secretKey.test(name), name).toBe(false)
    }
  })

  it("redacts at any depth and inside arrays", () => {
    expect(
      recordedRequest({
        name: "Acme",
        customData: { stripe_key: "sk_live_1", nested: [{ pin: "1234", plan: "pro" }], privKey: "-----BEGIN" }
      })
    ).toEqual({
      name: "Acme",
      customData: { stripe_key: redactedValue, nested: [{ pin: redactedValue, plan: "pro" }], privKey: redactedValue }
    })
  })
})

describe("credentials in URLs", () => {
  it("redacts the password of user:password@ and secret query parameters, in values and paths", () => {
    expect(redactUrl("postgres://admin:hunter2@db.example.com:5432/x")).toBe(
      `postgres://admin:${redactedValue}@db.example.com:5432/x`
    )
    expect(redactUrl("https://hooks.example.com/in?token=abc&team=7#frag")).toBe(
      `https://hooks.example.com/in?token=${encodeURIComponent(redactedValue)}&team=7#frag`
    )
    expect(redactUrl("/api/organizations?q=acme&api_key=k1&page=2")).toBe(
      `/api/organizations?q=acme&api_key=${encodeURIComponent(redactedValue)}&page=2`
    )
    expect(redactUrl("https://example.com/logo.png")).toBe("https://example.com/logo.png")
    expect(recordedRequest({ customData: { webhook: "https://u:p@hooks.example.com/x?secret=s" } })).toEqual({
      customData: {
        webhook: `https://u:${redactedValue}@hooks.example.com/x?secret=${encodeURIComponent(redactedValue)}`
      }
    })
  })
})

describe("client IP", () => {
  const headers = new Headers({
    "cf-connecting-ip": "198.51.100.1",
    "x-real-ip": "198.51.100.2",
    "x-forwarded-for": "198.51.100.3, 10.0.0.9"
  })
  it("is taken from the one configured header only, never from caller-supplied ones by default", () => {
    expect(clientIpFrom(undefined, headers)).toBeNull()
    expect(clientIpFrom("cf-connecting-ip", headers)).toBe("198.51.100.1")
    expect(clientIpFrom("x-real-ip", headers)).toBe("198.51.100.2")
    // The last address: the one the operator's proxy appended (the first is the caller's to choose).
    expect(clientIpFrom("x-forwarded-for", headers)).toBe("10.0.0.9")
  })
})

describe("stored fields of a known key's denial", () => {
  it("are each capped, whatever the caller sends", async () => {
    const denials: Array<Denial> = []
    const store = {
      deny: async (d: Denial) => (denials.push(d), { id: d.id, seq: 1, hash: "" })
    } as unknown as AuditStore
    const recorder = makeRecorder({ store, log: () => undefined, clientIpHeader: "x-real-ip" })
    const route = RouteTable.routes.find((r) => r.operationId === "AddOrganizationUsers")!
    const huge = "x".repeat(100_000)
    await recorder.settle(
      {
        requestId: huge,
        route,
        params: { id: huge },
        principal: { id: "reader", name: "Support", scopes: new Set(["read"]), organizations: undefined },
        method: "POST",
        path: `/api/organizations/${huge}/users`,
        payload: undefined,
        headers: new Headers({ "user-agent": huge, "x-real-ip": huge }),
        startedAt: 1_767_225_600_000
      },
      undefined,
      { status: 403, errorCode: huge, latencyMs: 1 }
    )
    const [denial] = denials
    expect(denial!.event.organizationId).toHaveLength(fieldCaps.organizationId + 1)
    expect(denial!.event.path).toHaveLength(fieldCaps.path + 1)
    expect(denial!.event.userAgent).toHaveLength(fieldCaps.userAgent + 1)
    expect(denial!.event.clientIp).toHaveLength(fieldCaps.clientIp + 1)
    expect(denial!.event.requestId).toHaveLength(fieldCaps.requestId + 1)
    expect(denial!.outcome.errorCode).toHaveLength(fieldCaps.errorCode + 1)
    expect(JSON.stringify(denial).length).toBeLessThan(4096)
  })
})
