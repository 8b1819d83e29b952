import { Organization, RouteTable, Validation } from "@orgkit/core"
import { Schema } from "effect"
import * as fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { Fixtures } from "../src/index.ts"
import { ids, world } from "./fixtures/world.ts"
import { setup } from "./helpers.ts"

const { fake, call } = setup()
afterAll(() => fake.dispose())

/** What a JSON round trip makes of a value. */
const wire = <A>(value: A): A => JSON.parse(JSON.stringify(value)) as A
const runs = { numRuns: 60 }

describe("valid payloads round-trip", () => {
  it("CreateOrganization stores exactly what was sent, with Logto's normalisations", async () => {
    await fc.assert(
      fc.asyncProperty(Fixtures.createOrganization, async (body) => {
        const created = await call("POST", "/api/organizations", { body })
        expect(created.status).toBe(201)
        const sent = wire(body)
        expect(created.body).toEqual({
          tenantId: "default",
          id: created.body.id,
          name: sent.name,
          description: sent.description === undefined || sent.description === "" ? null : sent.description,
          customData: sent.customData ?? {},
          isMfaRequired: sent.isMfaRequired ?? false,
          color: sent.color ?? {},
          branding: sent.branding ?? {},
          customCss: sent.customCss === undefined || sent.customCss === "" ? null : sent.customCss,
          createdAt: created.body.createdAt
        })
        expect((await call("GET", `/api/organizations/${created.body.id}`)).body).toEqual(created.body)
      }),
      runs
    )
  })

  it("UpdateOrganization changes only the keys sent", async () => {
    fake.reset(world)
    await fc.assert(
      fc.asyncProperty(Fixtures.updateOrganization, async (body) => {
        const before = (await call("GET", `/api/organizations/${ids.org}`)).body
        const updated = await call("PATCH", `/api/organizations/${ids.org}`, { body })
        expect(updated.status).toBe(200)
        const sent = wire(body) as Record<string, unknown>
        const expected: Record<string, unknown> = { ...before }
        for (const [key, value] of Object.entries(sent)) {
          expected[key] =
            (key === "description" || key === "customCss") && value === ""
              ? null
              : key === "createdAt"
                ? Math.trunc(value as number)
                : value
        }
        expect(updated.body).toEqual(expected)
      }),
      runs
    )
  })

  it("a seed loads and dumps back to the same state", () => {
    fc.assert(
      fc.property(Fixtures.seed(), (input) => {
        const a = Fixtures.makeUser()
        expect(a.id).toMatch(/^[0-9a-z]{12}$/)
        fake.reset(input)
        const dump = fake.store.snapshot()
        fake.reset(wire(dump) as never)
        expect(fake.store.snapshot()).toEqual(dump)
        expect(dump.organizations?.length).toBe(input.organizations?.length)
      }),
      { numRuns: 40 }
    )
  })
})

describe("invalid payloads get 400 and change nothing", () => {
  it("CreateOrganization", async () => {
    fake.reset(world)
    const before = fake.store.snapshot()
    await fc.assert(
      fc.asyncProperty(Fixtures.invalidCreateOrganization, async (body) => {
        const r = await call("POST", "/api/organizations", { body })
        expect(r.status).toBe(400)
        expect(r.body.code).toBe("guard.invalid_input")
        expect(r.body.data.issues.length).toBeGreaterThan(0)
      }),
      runs
    )
    expect(fake.store.snapshot()).toEqual(before)
  })

  it("UpdateOrganization", async () => {
    fake.reset(world)
    const before = fake.store.snapshot()
    await fc.assert(
      fc.asyncProperty(Fixtures.invalidUpdateOrganization, async (body) => {
        const r = await call("PATCH", `/api/organizations/${ids.org}`, { body })
        expect(r.status).toBe(400)
        expect(r.body.code).toBe("guard.invalid_input")
      }),
      runs
    )
    expect(fake.store.snapshot()).toEqual(before)
  })

  it("membership writes with an empty or non-string id", async () => {
    fake.reset(world)
    const before = fake.store.snapshot()
    const badIds = fc.array(fc.oneof(fc.constant(""), fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 3 })
    await fc.assert(
      fc.asyncProperty(
        badIds,
        fc.constantFrom("users", "applications", "jit/roles", "jit/sso-connectors"),
        async (bad, path) => {
          const key =
            path === "users"
              ? "userIds"
              : path === "applications"
                ? "applicationIds"
                : path === "jit/roles"
                  ? "organizationRoleIds"
                  : "ssoConnectorIds"
          for (const method of ["POST", "PUT"]) {
            const r = await call(method, `/api/organizations/${ids.org}/${path}`, { body: { [key]: bad } })
            expect(r.status).toBe(400)
          }
        }
      ),
      { numRuns: 30 }
    )
    expect(fake.store.snapshot()).toEqual(before)
  })
})

describe("generated data is valid for the contract", () => {
  it("generated organizations decode with core's Organization schema", () => {
    fc.assert(
      fc.property(Fixtures.organization, (org) => {
        expect(org.id).toMatch(/^[0-9a-z]{12}$/)
        expect(org.name.length).toBeGreaterThan(0)
      }),
      { numRuns: 50 }
    )
  })
})

describe("Fixtures.arbitrary", () => {
  const payloads = RouteTable.routes
    .filter((r) => r.endpoint.payload.size > 0)
    .map((r) => [r.operationId, r.endpoint.payload.get("application/json")!.schemas[0] as Schema.Top] as const)

  it("draws values every core payload schema accepts, the same ones for the same seed", () => {
    for (const [operationId, schema] of payloads) {
      const values = fc.sample(Fixtures.arbitrary(schema), { seed: 7, numRuns: 40 })
      for (const value of values) {
        const decoded = Schema.decodeUnknownResult(Schema.toType(schema) as Schema.Decoder<unknown>)(value)
        expect(decoded._tag, `${operationId}: ${JSON.stringify(value)}`).toBe("Success")
      }
      expect(fc.sample(Fixtures.arbitrary(schema), { seed: 7, numRuns: 40 })).toEqual(values)
    }
  })

  it("draws bodies that Logto's parser takes as JSON and that still decode after the trip", () => {
    for (const [operationId, schema] of payloads) {
      for (const value of fc.sample(Fixtures.arbitrary(schema), { seed: 11, numRuns: 200 })) {
        const text = JSON.stringify(value)
        const parsed = Validation.parseBody("application/json", text)
        expect(parsed._tag, `${operationId}: ${text}`).toBe("Success")
        if (parsed._tag !== "Success") continue
        const decoded = Schema.decodeUnknownResult(Schema.toType(schema) as Schema.Decoder<unknown>)(parsed.success)
        expect(decoded._tag, `${operationId}: ${text}`).toBe("Success")
      }
    }
  })
})

describe("the body rules in core that the derivation relies on", () => {
  const decode = Schema.decodeUnknownResult(Schema.toType(Organization.CreateOrganization) as Schema.Decoder<unknown>)

  it("customData: no __proto__ key at any depth (Logto's parser refuses one), any other key", () => {
    expect(decode(JSON.parse('{"name":"x","customData":{"a":[{"__proto__":1}]}}'))._tag).toBe("Failure")
    expect(decode(JSON.parse('{"name":"x","customData":{"__proto__":{}}}'))._tag).toBe("Failure")
    expect(decode(JSON.parse('{"name":"x","customData":{"a":[{"constructor":1,"prototype":{}}]}}'))._tag).toBe(
      "Success"
    )
  })

  it("createdAt: any number but NaN, as Logto's z.number() (JSON's 1e400 is Infinity)", () => {
    expect(decode(JSON.parse('{"name":"x","createdAt":1e400}'))._tag).toBe("Success")
    expect(decode({ name: "x", createdAt: Number.NaN })._tag).toBe("Failure")
  })
})
