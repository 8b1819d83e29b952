import { RouteTable } from "@orgkit/core"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { canonicalJson, sha256Hex } from "../../../src/audit/canonical.ts"
import { AuditEvent } from "../../../src/audit/event.ts"
import { recordedRequest, redact, redactedValue } from "../../../src/audit/redact.ts"
import { bodyTargetFields, extractTargets, payloadFields, routeTargets } from "../../../src/audit/targets.ts"
import { isUuidV7, uuidV7Generator, uuidV7Time } from "../../../src/audit/uuid7.ts"
import { writeCases } from "../support/requests.ts"

describe("uuidv7", () => {
  it("carries the millisecond and sorts by time, strictly increasing within one millisecond", () => {
    const next = uuidV7Generator()
    const ids = [
      next(1_767_225_600_000),
      ...Array.from({ length: 5000 }, () => next(1_767_225_600_001)),
      next(1_767_225_600_002)
    ]
    for (const id of ids) expect(isUuidV7(id)).toBe(true)
    expect(uuidV7Time(ids[0]!)).toBe(1_767_225_600_000)
    expect(uuidV7Time(ids[ids.length - 1]!)).toBeGreaterThanOrEqual(1_767_225_600_002)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("never goes backwards when the clock does", () => {
    const next = uuidV7Generator()
    const a = next(2_000)
    const b = next(1_000)
    expect(b > a).toBe(true)
  })
})

describe("canonical json", () => {
  it("sorts keys by code unit, drops undefined members and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, "x"], "\u00e9": 2, Z: { y: undefined, x: 1.5 } })).toBe(
      '{"Z":{"x":1.5},"a":[true,null,"x"],"b":1,"é":2}'
    )
  })

  it("hashes to the same digest as any SHA-256 tool", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })

  it("refuses what JSON cannot represent", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow("non-finite")
    expect(() => canonicalJson({ a: 1n })).toThrow("cannot encode a bigint")
  })
})

describe("redaction", () => {
  it("redacts secrets at any depth, and the SSO connector config", () => {
    expect(
      redact({
        name: "Acme",
        customData: { password: "p", apiKey: "k", nested: [{ clientSecret: "s", accessToken: "t", keep: 1 }] },
        config: { clientId: "c", clientSecret: "s" },
        Authorization: "Bearer x"
      })
    ).toEqual({
      name: "Acme",
      customData: {
        password: redactedValue,
        apiKey: redactedValue,
        nested: [{ clientSecret: redactedValue, accessToken: redactedValue, keep: 1 }]
      },
      config: redactedValue,
      Authorization: redactedValue
    })
  })

  it("replaces a body over the cap with a marker, never a cut JSON", () => {
    const body = { userIds: Array.from({ length: 2000 }, (_, i) => `user-${i}`) }
    const recorded = recordedRequest(body, 1024) as { $truncated: boolean; bytes: number; preview: string }
    expect(recorded.$truncated).toBe(true)
    expect(recorded.bytes).toBe(JSON.stringify(body).length)
    expect(recorded.preview).toHaveLength(1024)
    expect(recordedRequest({ a: 1 }, 1024)).toEqual({ a: 1 })
    expect(recordedRequest(undefined)).toBeNull()
  })
})

describe("targets", () => {
  it("covers every id-carrying body field of the write operations' schemas in core", () => {
    const fields = new Set(RouteTable.routes.filter((r) => r.kind === "write").flatMap(payloadFields))
    const idLike = [...fields].filter((f) => /Ids$|Names$|^emailDomains?$/.test(f))
    expect(idLike.sort()).toEqual(Object.keys(bodyTargetFields).sort())
  })

  it("is derived for all 26 write operations from core's route table", () => {
    const writes = RouteTable.routes.filter((r) => r.kind === "write")
    expect(writes).toHaveLength(26)
    for (const route of writes) expect(routeTargets.has(route.operationId)).toBe(true)
    expect(routeTargets.get("AssignOrganizationRolesToUsers")!.body.map(([f]) => f)).toEqual([
      "userIds",
      "organizationRoleIds"
    ])
    expect(routeTargets.get("DeleteOrganizationUserRole")!.params.map(([p]) => p)).toEqual([
      "userId",
      "organizationRoleId"
    ])
  })

  for (const c of writeCases) {
    it(`extracts the targets of ${c.route.operationId}`, () => {
      expect(extractTargets(c.route, c.params, c.body)).toEqual(c.targets)
    })
  }

  it("deduplicates, ignores non-strings and caps the count", () => {
    const route = RouteTable.byOperationId.get("ReplaceOrganizationUsers")!
    expect(extractTargets(route, { id: "o" }, { userIds: ["a", "a", 3, null, "b"] })).toEqual({ userIds: ["a", "b"] })
    expect(extractTargets(route, { id: "o" }, { userIds: ["a", "b", "c", "d"] }, 2)).toEqual({
      userIds: ["a", "b"],
      omitted: 2
    })
    expect(extractTargets(route, { id: "o" }, "not an object")).toEqual({})
  })
})

describe("event schema", () => {
  it("decodes what the API returns", () => {
    const event = {
      id: uuidV7Generator()(1_767_225_600_000),
      seq: 1,
      kind: "write",
      time: "2026-01-01T00:00:00.000Z",
      actor: { id: "admin", name: "Platform team" },
      operationId: "DeleteOrganization",
      method: "DELETE",
      path: "/api/organizations/o",
      organizationId: "o",
      targets: {},
      request: null,
      status: 204,
      errorCode: null,
      latencyMs: 3,
      requestId: "r",
      clientIp: null,
      userAgent: null,
      outcome: "completed",
      prevHash: "0".repeat(64),
      hash: "a".repeat(64),
      outcomeHash: "b".repeat(64)
    }
    expect(Schema.decodeUnknownSync(AuditEvent)(event)).toEqual(event)
  })
})
