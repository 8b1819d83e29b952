import { readFileSync } from "node:fs"
import { Effect, Result, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { Demo, FakeLogto, FakeStore, Seed } from "../src/index.ts"
import { ids, world } from "./fixtures/world.ts"
import { makeCall } from "./helpers.ts"

/** The store's operations, as the handlers get them. */
const ops = FakeStore.service
const run = <A, E>(effect: Effect.Effect<A, E>): A => Effect.runSync(effect)

/** A user exactly as Logto's `GET /api/users/{id}` returns it (extra keys included). */
const logtoUser = {
  id: "fullusr00001",
  username: "frank",
  primaryEmail: "frank@example.com",
  primaryPhone: null,
  name: "Frank",
  avatar: null,
  customData: { department: "ops" },
  identities: { github: { userId: "42", details: { login: "frank" } } },
  lastSignInAt: 1700000000000,
  createdAt: 1690000000000,
  updatedAt: 1700000000001,
  profile: { givenName: "Frank", address: { country: "NL" } },
  applicationId: "someapp",
  isSuspended: false,
  hasPassword: true,
  ssoIdentities: [],
  mfaVerificationFactors: [],
  tenantId: "default"
}

/** An application exactly as Logto's `GET /api/applications/{id}` returns it. */
const logtoApplication = {
  tenantId: "default",
  id: "fullapp00000000000001",
  name: "Full app",
  secret: "internal:abc",
  description: null,
  type: "MachineToMachine" as const,
  oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
  customClientMetadata: { tenantId: "default" },
  protectedAppMetadata: null,
  customData: {},
  isThirdParty: false,
  isAdmin: false,
  appLevelAccessControlEnabled: false,
  createdAt: 1690000000000
}

describe("seed format", () => {
  it("matches the committed seed.schema.json (run `pnpm --filter @orgkit/testing seed-schema` after changing it)", () => {
    const committed = JSON.parse(readFileSync(new URL("../seed.schema.json", import.meta.url), "utf8"))
    expect(committed).toEqual(Seed.jsonSchema())
  })

  it("accepts full Logto user and application objects, ignoring unknown keys", async () => {
    const fake = FakeLogto.make({
      seed: {
        users: [logtoUser],
        applications: [logtoApplication],
        organizations: [{ id: "o1", name: "O", users: ["frank"], applications: ["Full app"] }]
      }
    })
    const call = makeCall(fake.fetch, "http://logto.test", fake.token)
    const users = await call("GET", "/api/organizations/o1/users")
    const { hasPassword: _p, ssoIdentities: _s, mfaVerificationFactors: _m, tenantId: _t, ...shown } = logtoUser
    expect(users.body).toEqual([{ ...shown, cimdClientId: null, organizationRoles: [] }])
    const apps = await call("GET", "/api/organizations/o1/applications")
    const { secret: _secret, isAdmin: _a, ...app } = logtoApplication
    expect(apps.body).toEqual([{ ...app, organizationRoles: [] }])
    await fake.dispose()
  })

  it("shows a legacy application secret and hides an internal one", () => {
    const store = FakeStore.make()
    const decoded = Result.getOrThrow(
      Seed.decode({
        applications: [{ id: "a1", name: "Legacy", secret: "plain" }],
        organizations: [{ id: "o", name: "O", applications: ["a1"] }]
      })
    )
    expect(Result.isSuccess(store.seed(decoded))).toBe(true)
    expect(run(ops(store).listOrganizationApplications("o", {}, { _tag: "Off" })).items[0]?.secret).toBe("plain")
  })

  it("gives realistic defaults: Logto's id lengths and alphabet, epoch-ms timestamps", () => {
    const store = FakeStore.make({ now: () => 1234 })
    const decoded = Result.getOrThrow(
      Seed.decode({
        organizationScopes: [{ name: "s" }],
        organizationRoles: [{ name: "r", organizationScopeIds: ["s"] }],
        users: [{ username: "u" }],
        applications: [{ name: "a" }],
        ssoConnectors: [{ connectorName: "c" }],
        organizations: [{ name: "o", users: ["u"] }]
      })
    )
    expect(Result.isSuccess(store.seed(decoded))).toBe(true)
    const snapshot = store.snapshot()
    expect(snapshot.organizationScopes![0]!.id).toMatch(/^[0-9a-z]{21}$/)
    expect(snapshot.organizationRoles![0]!.id).toMatch(/^[0-9a-z]{21}$/)
    expect(snapshot.users![0]!.id).toMatch(/^[0-9a-z]{12}$/)
    expect(snapshot.applications![0]).toMatchObject({ type: "MachineToMachine", createdAt: 1234 })
    expect(snapshot.applications![0]!.id).toMatch(/^[0-9a-z]{21}$/)
    expect(snapshot.ssoConnectors![0]).toMatchObject({ providerName: "OIDC", createdAt: 1234 })
    expect(snapshot.ssoConnectors![0]!.id).toMatch(/^[0-9a-z]{12}$/)
    expect(snapshot.organizations![0]).toMatchObject({ createdAt: 1234, description: null, customData: {} })
    expect(snapshot.organizations![0]!.id).toMatch(/^[0-9a-z]{12}$/)
    expect(snapshot.users![0]).toMatchObject({
      createdAt: 1234,
      updatedAt: 1234,
      lastSignInAt: null,
      isSuspended: false
    })
  })

  it("resolves references by id, username, email, name or connector name", () => {
    const store = FakeStore.make()
    const decoded = Result.getOrThrow(
      Seed.decode({
        ...world,
        organizations: [
          {
            id: "refs",
            name: "Refs",
            users: [{ id: "alice", roles: ["admin"] }, "bob@acme.example"],
            applications: [{ id: "Reporter", roles: ["audit"] }],
            jit: { roles: ["viewer"], ssoConnectors: ["Globex SAML"], emailDomains: ["refs.example"] }
          }
        ]
      })
    )
    expect(store.seed(decoded)).toEqual(Result.succeed(expect.anything()))
    const users = run(ops(store).listOrganizationUsers("refs", {}, { _tag: "Off" })).items
    expect(users.map((u) => [u.id, u.organizationRoles.map((r) => r.name)])).toEqual([
      [ids.u1, ["admin"]],
      [ids.u2, []]
    ])
    expect(
      run(ops(store).listOrganizationApplications("refs", {}, { _tag: "Off" })).items[0]?.organizationRoles
    ).toEqual([{ id: ids.audit, name: "audit" }])
  })

  it("reports every problem at once and changes nothing", () => {
    const store = FakeStore.make()
    Result.getOrThrow(store.seed(Result.getOrThrow(Seed.decode(world))))
    const before = store.snapshot()
    const decoded = Result.getOrThrow(
      Seed.decode({
        applications: [{ id: "dup", name: "Reporter" }],
        organizationRoles: [{ id: "other", name: "admin" }],
        users: [{ id: "zed", username: "alice" }],
        organizations: [
          {
            name: "Bad",
            users: ["ghost", { id: ids.u1, roles: ["sync"] }],
            applications: [ids.spa, "Reporter"],
            jit: { roles: ["nope"], ssoConnectors: ["nothing"] }
          }
        ]
      })
    )
    const result = store.seed(decoded)
    expect(Result.isFailure(result) ? result.failure : []).toEqual([
      `organizationRoles[0]: the name "admin" is already used by role ${ids.admin}`,
      `users[0]: the username "alice" is already used by user ${ids.u1}`,
      'organizations[0].users: unknown user "ghost"',
      `organizations[0].users[${ids.u1}]: the role "sync" has type MachineToMachine, not User`,
      'organizations[0].applications: "Portal" is a SPA application; only MachineToMachine applications can be members',
      'organizations[0].applications: the application reference "Reporter" is ambiguous',
      'organizations[0].jit.roles: unknown organization role "nope"',
      'organizations[0].jit.ssoConnectors: unknown SSO connector "nothing"'
    ])
    expect(store.snapshot()).toEqual(before)
  })

  it("rejects documents that do not match the schema", () => {
    const result = Seed.decode({ organizations: [{ id: "x".repeat(22), name: "" }], users: "nope" })
    expect(Result.isFailure(result)).toBe(true)
  })

  it("updates objects with a known id, keeping fields not given, and merges memberships", () => {
    const store = FakeStore.make()
    Result.getOrThrow(store.seed(Result.getOrThrow(Seed.decode(world))))
    Result.getOrThrow(
      store.seed(
        Result.getOrThrow(
          Seed.decode({
            users: [{ id: ids.u1, name: "Alicia" }],
            organizations: [{ id: ids.org, name: "Acme", users: [ids.u4] }]
          })
        )
      )
    )
    expect(store.getUser(ids.u1)).toMatchObject({
      name: "Alicia",
      username: "alice",
      primaryEmail: "alice@acme.example"
    })
    expect(run(ops(store).listOrganizationUsers(ids.org, {}, { _tag: "Off" })).items.map((u) => u.id)).toEqual([
      ids.u1,
      ids.u2,
      ids.u3,
      ids.u4
    ])
    expect(run(ops(store).getOrganization(ids.org)).description).toBe("Acme Corp")
  })

  it("loads the demo data set", () => {
    const fake = FakeLogto.make({ seed: Demo.seed })
    expect(fake.store.counts()).toMatchObject({
      organizations: 3,
      users: 4,
      applications: 2,
      organizationRoles: 4,
      organizationScopes: 3,
      ssoConnectors: 1
    })
    void fake.dispose()
  })
})

describe("store cascades (Logto's ON DELETE CASCADE)", () => {
  const seeded = () => {
    const store = FakeStore.make()
    Result.getOrThrow(store.seed(Result.getOrThrow(Seed.decode(world))))
    return store
  }

  it("deleting a user removes its memberships and roles everywhere", () => {
    const store = seeded()
    expect(store.deleteUser(ids.u1)).toBe(true)
    expect(run(ops(store).listOrganizationUsers(ids.org, {}, { _tag: "Off" })).items.map((u) => u.id)).toEqual([
      ids.u2,
      ids.u3
    ])
    expect(run(ops(store).listOrganizationUserScopes(ids.org, ids.u1))).toEqual([])
    expect(store.deleteUser(ids.u1)).toBe(false)
  })

  it("deleting a role removes its user, application and JIT assignments", () => {
    const store = seeded()
    store.deleteOrganizationRole(ids.member)
    store.deleteOrganizationRole(ids.sync)
    expect(
      run(ops(store).listOrganizationUsers(ids.org, {}, { _tag: "Off" })).items[0]?.organizationRoles.map((r) => r.name)
    ).toEqual(["admin"])
    expect(
      run(ops(store).listOrganizationApplications(ids.org, {}, { _tag: "Off" })).items[0]?.organizationRoles
    ).toEqual([])
    expect(run(ops(store).listOrganizationJitRoles(ids.org, { _tag: "Off" })).items).toEqual([])
    expect(store.organizationRoleIdByName("member")).toBeUndefined()
  })

  it("deleting an application or connector removes its memberships and JIT entries", () => {
    const store = seeded()
    store.deleteApplication(ids.m2m1)
    store.deleteSsoConnector(ids.c1)
    expect(run(ops(store).listOrganizationApplications(ids.org, {}, { _tag: "Off" })).items).toEqual([])
    expect(run(ops(store).listOrganizationJitSsoConnectors(ids.org, { _tag: "Off" })).items).toEqual([])
  })

  it("deleting a scope removes it from role scopes", () => {
    const store = seeded()
    store.deleteOrganizationScope(ids.s1)
    expect(run(ops(store).listOrganizationUserScopes(ids.org, ids.u2))).toEqual([])
  })
})

describe("FakeStore service", () => {
  it("runs an operation in a span named FakeStore.<operation>, failing with Logto's error", () => {
    const spans: Array<InstanceType<typeof Tracer.NativeSpan>> = []
    const tracer = Tracer.make({
      span(options) {
        const span = new Tracer.NativeSpan(options)
        spans.push(span)
        return span
      }
    })
    const store = FakeStore.make()
    run(ops(store).seed(Result.getOrThrow(Seed.decode(world))))
    const traced = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.runSync(Effect.result(Effect.provideService(effect, Tracer.Tracer, tracer)))
    expect(Result.isSuccess(traced(ops(store).getOrganization(ids.org)))).toBe(true)
    const missing = traced(ops(store).getOrganization(ids.missing))
    expect(Result.isFailure(missing) && missing.failure.code).toBe("entity.not_exists_with_id")
    expect(spans.map((s) => s.name)).toEqual(["FakeStore.getOrganization", "FakeStore.getOrganization"])
    expect(spans.map((s) => s.status._tag)).toEqual(["Ended", "Ended"])
  })
})
