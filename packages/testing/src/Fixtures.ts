/**
 * Test data: fast-check arbitraries derived from `@orgkit/core`'s schemas (so they follow every
 * length, pattern and URL rule of the contract), bodies that Logto rejects, and factories for
 * seed objects with realistic ids.
 *
 * @since 0.1.0
 */
import { Member, Organization as Org } from "@orgkit/core"
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as fc from "fast-check"
import { idAlphabet, randomString, secure, seeded } from "./internal/random.ts"
import type * as Seed from "./Seed.ts"

interface Constraint {
  readonly minLength?: number
  readonly maxLength?: number
  readonly patterns?: ReadonlyArray<{ readonly source: string; readonly flags: string }>
}

const constraintOf = (ast: SchemaAST.AST): { constraint: Constraint; url: boolean } => {
  let minLength: number | undefined
  let maxLength: number | undefined
  const patterns: Array<{ source: string; flags: string }> = []
  let url = false
  for (const check of ast.checks ?? []) {
    const annotations = check.annotations as
      | { arbitraryConstraint?: Constraint; meta?: { orgkit?: string } }
      | undefined
    const c = annotations?.arbitraryConstraint
    if (c?.minLength !== undefined) minLength = Math.max(minLength ?? 0, c.minLength)
    if (c?.maxLength !== undefined) maxLength = Math.min(maxLength ?? Infinity, c.maxLength)
    if (c?.patterns !== undefined) patterns.push(...c.patterns)
    if (annotations?.meta?.orgkit === "url") url = true
  }
  return {
    constraint: {
      ...(minLength === undefined ? {} : { minLength }),
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(patterns.length === 0 ? {} : { patterns })
    },
    url
  }
}

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

/** JSON values that survive `JSON.stringify`/`JSON.parse` unchanged (no `-0`, no `__proto__` keys). */
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown)

const safeKey = fc.string({ maxLength: 12 }).filter((k) => k !== "__proto__")

const number = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n))

const fromAst = (ast: SchemaAST.AST): fc.Arbitrary<unknown> => {
  switch (ast._tag) {
    case "String": {
      const { constraint, url: isUrl } = constraintOf(ast)
      if (isUrl) return url
      const pattern = constraint.patterns?.[0]
      if (pattern !== undefined) {
        // fast-check cannot generate from a case-insensitive regex: generate and mix the case.
        const base = fc.stringMatching(new RegExp(pattern.source, pattern.flags.replace(/[giy]/g, "")))
        return pattern.flags.includes("i") ? fc.mixedCase(base) : base
      }
      return utf16(constraint.minLength ?? 0, constraint.maxLength ?? 40)
    }
    case "Number":
      return number
    case "Boolean":
      return fc.boolean()
    case "Null":
      return fc.constant(null)
    case "Literal":
      return fc.constant(ast.literal)
    case "Unknown":
    case "Any":
      return json
    case "Union":
      return fc.oneof(...ast.types.map(fromAst))
    case "Arrays": {
      const { constraint } = constraintOf(ast)
      const item = ast.rest[0]
      if (item === undefined || ast.elements.length > 0)
        throw new Error("Fixtures: only homogeneous arrays are supported")
      return fc.array(fromAst(item), {
        minLength: constraint.minLength ?? 0,
        maxLength: Math.min(constraint.maxLength ?? 4, 4)
      })
    }
    case "Objects": {
      const [index] = ast.indexSignatures
      if (ast.propertySignatures.length === 0 && index !== undefined)
        return fc.dictionary(safeKey, fromAst(index.type), { maxKeys: 4 })
      const model: Record<string, fc.Arbitrary<unknown>> = {}
      const required: Array<string> = []
      for (const ps of ast.propertySignatures) {
        const name = String(ps.name)
        model[name] = fromAst(ps.type)
        if (!SchemaAST.isOptional(ps.type)) required.push(name)
      }
      return fc.record(model, { requiredKeys: required })
    }
    default:
      throw new Error(`Fixtures: no arbitrary for schema node ${ast._tag}`)
  }
}

/**
 * A fast-check arbitrary of the values a schema accepts (its decoded side), for the schema
 * shapes core uses: structs with optional keys, records, arrays, unions, literals, strings with
 * length, pattern and URL checks, numbers and booleans.
 *
 * @category testing
 * @since 0.1.0
 */
export const arbitrary = <S extends Schema.Top>(schema: S): fc.Arbitrary<S["Type"]> =>
  fromAst(schema.ast) as fc.Arbitrary<S["Type"]>

/**
 * A fast-check arbitrary of the values a schema accepts (its decoded side), derived by Effect's own
 * `Arbitrary.schema` (Effect 4.1 has no fast-check derivation): each fast-check draw picks a seed
 * and Effect generates one value from it, so a fast-check seed replays the same values. Effect
 * checks a filter by generating and discarding, so a constraint expressed only as a filter (core's
 * URL check) is not generated unless the schema carries an `arbitraryConstraint` for it; such
 * optional keys are left out, and a required one fails loudly with Effect's `SampleError`.
 *
 * @category testing
 * @since 0.1.0
 */
export const derived = <S extends Schema.Top>(schema: S): fc.Arbitrary<S["Type"]> => {
  const values = Arbitrary.schema(Schema.toType(schema) as Schema.Top)
  return fc
    .noShrink(fc.integer())
    .map((seed) => Effect.runSync(Arbitrary.sampleEffect(values, { count: 1, seed }))[0] as S["Type"])
}

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

/**
 * Valid UpdateOrganization bodies that update something: derived from
 * `Organization.UpdateOrganization`, without `tenantId` and `id` (which Logto drops or rejects
 * with a 500), with `createdAt` inside PostgreSQL's range, and with at least one key.
 *
 * @category testing
 * @since 0.1.0
 */
export const updateOrganization: fc.Arbitrary<Org.UpdateOrganization> = arbitrary(Org.UpdateOrganization)
  .chain((body) => timestamp.map((createdAt) => ({ body, createdAt })))
  .map(({ body, createdAt }) => {
    const { tenantId: _tenantId, id: _id, ...rest } = body
    return (rest.createdAt === undefined ? rest : { ...rest, createdAt }) as Org.UpdateOrganization
  })
  .filter((body) => Object.keys(body).length > 0)

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
    customData: body.customData ?? {},
    isMfaRequired: body.isMfaRequired ?? false,
    color: body.color ?? {},
    branding: body.branding ?? {},
    customCss: body.customCss === undefined || body.customCss === "" ? null : body.customCss,
    createdAt
  }))

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
    customData: fc.dictionary(safeKey, json, { maxKeys: 3 }),
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
