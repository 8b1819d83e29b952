/**
 * Test data: fast-check arbitraries derived from `@orgkit/core`'s schemas (so they follow every
 * length, pattern and URL rule of the contract), bodies that Logto rejects, and factories for
 * seed objects with realistic ids.
 *
 * @since 0.1.0
 */
import { Member, Organization as Org, RouteTable } from "@orgkit/core"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as fc from "fast-check"
import { idAlphabet, randomString, secure, seeded } from "./internal/random.ts"
import type * as Seed from "./Seed.ts"

/**
 * Absolute URLs that WHATWG `new URL()` accepts, of any scheme (Logto's `z.string().url()`).
 *
 * @category testing
 * @since 0.1.0
 */
export const url: fc.Arbitrary<string> = fc
  .oneof(
    fc.webUrl({ withQueryParameters: true }),
    fc.constantFrom("mock://x/y.png", "data:image/png;base64,AAAA", "https://cdn.example/logo.svg")
  )
  .filter((s) => URL.canParse(s))

const utf16 = (min: number, max: number) =>
  fc
    .string({
      minLength: min,
      maxLength: max,
      unit: fc.oneof(
        { weight: 4, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }
      )
    })
    .filter((s) => s.length >= min && s.length <= max)

/**
 * What a value becomes on the wire: Logto answers and seed files are JSON, which has no `-0`
 * (Effect's JSON generator draws it; it comes back as `0`).
 */
const throughJson = <A>(value: A): A => JSON.parse(JSON.stringify(value)) as A

/** One derivation per schema node: Effect compiles a schema into a generator once, draws are cheap. */
const derivations = new WeakMap<SchemaAST.AST, Arbitrary.Arbitrary<unknown>>()

const derivationOf = (schema: Schema.Top): Arbitrary.Arbitrary<unknown> => {
  let values = derivations.get(schema.ast)
  if (values === undefined) {
    values = Arbitrary.schema(Schema.toType(schema) as Schema.Top)
    derivations.set(schema.ast, values)
  }
  return values
}

/**
 * A fast-check arbitrary of the values a schema accepts (its decoded side), derived by Effect's own
 * `Arbitrary.schema` (Effect 4.1 has no fast-check derivation): each fast-check draw picks a seed
 * and Effect generates one value from it, so a fast-check seed replays the same values (they do not
 * shrink). The schema is compiled once per schema node. What Logto requires beyond the types is
 * said in core's schemas, where Effect reads it: length bounds and patterns as checks, and
 * generation hints (`arbitraryConstraint`) on checks Effect cannot draw from, such as the URL
 * check. A check without a hint is met by drawing and discarding (bodies' `__proto__` keys).
 *
 * @category testing
 * @since 0.1.0
 */
export const arbitrary = <S extends Schema.Top>(schema: S): fc.Arbitrary<S["Type"]> => {
  const values = derivationOf(schema)
  return fc
    .noShrink(fc.integer())
    .map((seed) => Effect.runSync(Arbitrary.sampleEffect(values, { count: 1, seed }))[0] as S["Type"])
}

/**
 * The same as {@link arbitrary}, under the name it had while both derivations existed.
 *
 * @deprecated Use {@link arbitrary}.
 * @category testing
 * @since 0.1.0
 */
export const derived: <S extends Schema.Top>(schema: S) => fc.Arbitrary<S["Type"]> = arbitrary

/**
 * A deterministic source of uniform numbers in [0, 1) from a seed (mulberry32, the generator the
 * fake's seeded ids and faults use): for test workloads that a seed must replay.
 *
 * @category testing
 * @since 0.1.0
 */
export const seededRandom = (seed: number): (() => number) => seeded(seed)

/**
 * A 12-character id of Logto's alphabet (organizations, users, SSO connectors).
 *
 * @category testing
 * @since 0.1.0
 */
export const shortId: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...idAlphabet),
  minLength: 12,
  maxLength: 12
})

/**
 * A 21-character id of Logto's alphabet (applications, roles, scopes).
 *
 * @category testing
 * @since 0.1.0
 */
export const longId: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...idAlphabet),
  minLength: 21,
  maxLength: 21
})

/** Timestamps PostgreSQL and `Date` both accept. */
const timestamp = fc.integer({ min: 0, max: 4_102_444_800_000 })

/**
 * Valid CreateOrganization bodies, derived from `Organization.CreateOrganization`.
 *
 * @category testing
 * @since 0.1.0
 */
export const createOrganization: fc.Arbitrary<Org.CreateOrganization> = arbitrary(Org.CreateOrganization)

/** How Logto stores an UpdateOrganization body, beyond its schema (core's `StoredPatch` annotation). */
const updatePatch = RouteTable.byName.get("updateOrganization")!.patch!

/**
 * Valid UpdateOrganization bodies that update something: derived from
 * `Organization.UpdateOrganization`, then, from core's `StoredPatch` annotation of the route,
 * without the keys Logto drops (`id`), with timestamps (`createdAt`) that PostgreSQL and `Date`
 * both accept, and with at least one key. Without `tenantId` too: Logto answers 500 to any tenant
 * but the caller's own. Which tenant that is depends on the server, so no schema can say it.
 *
 * @category testing
 * @since 0.1.0
 */
export const updateOrganization: fc.Arbitrary<Org.UpdateOrganization> = fc
  .tuple(arbitrary(Org.UpdateOrganization), timestamp)
  .map(([body, at]) => {
    const kept: Record<string, unknown> = { ...body }
    for (const key of [...updatePatch.ignoredKeys, "tenantId"]) delete kept[key]
    for (const key of updatePatch.timestampKeys) if (kept[key] !== undefined) kept[key] = at
    return kept as Org.UpdateOrganization
  })
  .filter((body) => !updatePatch.requireKeys || Object.keys(body).length > 0)

/**
 * Organizations as Logto returns them: a 12-character id, tenant `default`, valid colors and URLs.
 *
 * @category testing
 * @since 0.1.0
 */
export const organization: fc.Arbitrary<Org.Organization> = fc
  .record({ id: shortId, createdAt: timestamp, body: createOrganization })
  .map(({ id, createdAt, body }) => ({
    tenantId: "default",
    id,
    name: body.name,
    description: body.description === undefined || body.description === "" ? null : body.description,
    customData: throughJson(body.customData ?? {}),
    isMfaRequired: body.isMfaRequired ?? false,
    color: body.color ?? {},
    branding: body.branding ?? {},
    customCss: body.customCss === undefined || body.customCss === "" ? null : body.customCss,
    createdAt
  }))

/** The free-form JSON objects a body may carry (`customData`), as they come back from Logto. */
const customData = arbitrary(Org.CreateOrganization.fields.customData.schema).map(throughJson)

/**
 * Users as seed objects, with every field of `Member.OrganizationUser` (but roles).
 *
 * @category testing
 * @since 0.1.0
 */
export const user: fc.Arbitrary<Omit<Member.OrganizationUser, "organizationRoles">> = fc
  .record({
    id: shortId,
    username: fc.option(fc.stringMatching(/^[a-z][a-z0-9_]{2,15}$/), { nil: null }),
    primaryEmail: fc.option(fc.emailAddress(), { nil: null }),
    primaryPhone: fc.option(fc.stringMatching(/^\d{8,15}$/), { nil: null }),
    name: fc.option(utf16(1, 40), { nil: null }),
    avatar: fc.option(url, { nil: null }),
    customData,
    profile: arbitrary(Member.UserProfile),
    createdAt: timestamp,
    isSuspended: fc.boolean()
  })
  .map((u) => ({
    ...u,
    identities: {},
    lastSignInAt: null,
    updatedAt: u.createdAt,
    applicationId: null,
    cimdClientId: null
  }))

/**
 * Machine-to-machine applications as seed objects.
 *
 * @category testing
 * @since 0.1.0
 */
export const application: fc.Arbitrary<Seed.Application & { readonly id: string }> = fc.record({
  id: longId,
  name: utf16(1, 60),
  description: fc.option(utf16(0, 80), { nil: null }),
  type: fc.constant("MachineToMachine" as const),
  createdAt: timestamp
})

const invalidField: ReadonlyArray<fc.Arbitrary<[string, unknown]>> = [
  fc.constantFrom<[string, unknown]>(["name", ""], ["name", null], ["name", 5], ["name", "x".repeat(129)]),
  fc.constantFrom<[string, unknown]>(["description", "x".repeat(257)], ["description", 1]),
  fc.constantFrom<[string, unknown]>(["customData", null], ["customData", []], ["customData", "x"]),
  fc.constantFrom<[string, unknown]>(["isMfaRequired", "yes"], ["isMfaRequired", null]),
  fc.constantFrom<[string, unknown]>(
    ["color", null],
    ["color", { primaryColor: "red" }],
    ["color", { darkPrimaryColor: "#ffff" }]
  ),
  fc.constantFrom<[string, unknown]>(
    ["branding", null],
    ["branding", { logoUrl: "logo.png" }],
    ["branding", { favicon: "//x.com/a.png" }]
  ),
  fc.constantFrom<[string, unknown]>(["customCss", 1], ["tenantId", "t".repeat(22)], ["createdAt", "now"])
]

/**
 * CreateOrganization bodies Logto rejects with 400 `guard.invalid_input`: a valid body with one
 * or more fields broken.
 *
 * @category testing
 * @since 0.1.0
 */
export const invalidCreateOrganization: fc.Arbitrary<Record<string, unknown>> = fc
  .record({ body: createOrganization, broken: fc.array(fc.oneof(...invalidField), { minLength: 1, maxLength: 3 }) })
  .map(({ body, broken }) => ({ ...body, ...Object.fromEntries(broken) }))

/**
 * UpdateOrganization bodies Logto rejects with 400.
 *
 * @category testing
 * @since 0.1.0
 */
export const invalidUpdateOrganization: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.oneof(...invalidField), { minLength: 1, maxLength: 3 })
  .map((broken) => Object.fromEntries(broken))

/**
 * A consistent seed document: organizations whose members and member roles exist in it.
 *
 * @category testing
 * @since 0.1.0
 */
export const seed = (
  options: { readonly maxOrganizations?: number; readonly maxUsers?: number } = {}
): fc.Arbitrary<Seed.Input> =>
  fc
    .record({
      users: fc.uniqueArray(user, { selector: (u) => u.id, maxLength: options.maxUsers ?? 6 }),
      roles: fc.uniqueArray(
        fc.record({
          id: longId,
          name: fc.stringMatching(/^[a-z]{3,10}$/),
          type: fc.constantFrom("User" as const, "MachineToMachine" as const)
        }),
        {
          selector: (r) => r.name,
          maxLength: 4
        }
      ),
      organizations: fc.uniqueArray(organization, { selector: (o) => o.id, maxLength: options.maxOrganizations ?? 4 }),
      picks: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { maxLength: 12 })
    })
    .map(({ users, roles, organizations, picks }) => {
      const unique = users.filter(
        (u, i) =>
          (u.username === null || users.findIndex((v) => v.username === u.username) === i) &&
          (u.primaryEmail === null || users.findIndex((v) => v.primaryEmail === u.primaryEmail) === i)
      )
      const userRoles = roles.filter((r) => r.type === "User")
      return {
        users: unique,
        organizationRoles: roles,
        organizations: organizations.map(({ tenantId: _t, ...org }, o) => {
          const members = new Map<string, Set<string>>()
          for (const [a, b, c] of picks) {
            if (unique.length === 0 || a % Math.max(organizations.length, 1) !== o) continue
            const member = unique[b % unique.length]!.id
            const roleSet = members.get(member) ?? new Set()
            if (userRoles.length > 0 && c % 2 === 0) roleSet.add(userRoles[c % userRoles.length]!.id)
            members.set(member, roleSet)
          }
          return { ...org, users: [...members].map(([id, r]) => ({ id, roles: [...r] })) }
        })
      }
    })

/**
 * A fresh random id of Logto's lengths: 12 characters for organizations, users and SSO
 * connectors, 21 for applications, roles and scopes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const newId = (kind: "organization" | "user" | "ssoConnector" | "application" | "role" | "scope"): string =>
  randomString(secure, kind === "organization" || kind === "user" || kind === "ssoConnector" ? 12 : 21)

/**
 * A seed user with a fresh id and realistic fields, overridable.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeUser = (overrides: Partial<Seed.User> = {}): Seed.User & { readonly id: string } => {
  const id = overrides.id ?? newId("user")
  return { id, username: `user_${id}`, primaryEmail: `${id}@example.com`, name: `User ${id}`, ...overrides }
}

/**
 * A seed machine-to-machine application with a fresh id, overridable.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeApplication = (
  overrides: Partial<Seed.Application> = {}
): Seed.Application & { readonly id: string } => {
  const id = overrides.id ?? newId("application")
  return { id, name: `App ${id.slice(0, 6)}`, type: "MachineToMachine", ...overrides }
}

/**
 * A seed organization role with a fresh id, overridable.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeRole = (
  overrides: Partial<Seed.OrganizationRole> = {}
): Seed.OrganizationRole & { readonly id: string } => {
  const id = overrides.id ?? newId("role")
  return { id, name: `role-${id.slice(0, 8)}`, type: "User", ...overrides }
}

/**
 * A seed organization with a fresh id, overridable (members included).
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeOrganization = (
  overrides: Partial<Seed.Organization> = {}
): Seed.Organization & { readonly id: string } => {
  const id = overrides.id ?? newId("organization")
  return { id, name: `Organization ${id.slice(0, 6)}`, ...overrides }
}
