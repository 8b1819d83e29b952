/**
 * The seed format: what lives outside the Organizations API (users, applications, organization
 * scopes and roles, SSO connectors) and organizations with their members, member roles and JIT
 * settings. Every object may carry an explicit `id` and any subset of Logto's fields; full Logto
 * user and application objects are accepted as Logto's API returns them (unknown keys are
 * ignored). Missing fields get realistic defaults.
 *
 * References between objects (a member, a role, a scope, a connector) are ids; when no object has
 * that id, a reference may also name a unique user `username` or `primaryEmail`, application
 * `name`, role or scope `name`, or connector `connectorName`.
 *
 * `seed.schema.json` at the package root is this schema as JSON Schema.
 *
 * @since 0.1.0
 */
import { Member, Organization as Org, Role } from "@orgkit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

const Ref = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))
const OrganizationId = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(21))
const Text = (max: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max))
const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
const NullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const app = Member.OrganizationApplication.fields
const user = Member.OrganizationUser.fields

/**
 * An organization scope (permission).
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationScope = Schema.Struct({
  id: Schema.optionalKey(Ref),
  name: Text(128),
  description: NullableString
}).annotate({ identifier: "SeedOrganizationScope" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationScope = typeof OrganizationScope.Type

/**
 * An organization role with its type (default `User`) and scopes, given as ids or names in
 * `organizationScopeIds`, or as `scopes` objects the way Logto's role endpoints return them.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationRole = Schema.Struct({
  id: Schema.optionalKey(Ref),
  name: Text(128),
  description: Schema.optionalKey(Schema.NullOr(Schema.String.check(Schema.isMaxLength(256)))),
  type: Schema.optionalKey(Role.RoleType),
  organizationScopeIds: Schema.optionalKey(Schema.Array(Ref)),
  scopes: Schema.optionalKey(
    Schema.Array(Schema.Struct({ id: Schema.optionalKey(Ref), name: Schema.optionalKey(Ref) }))
  )
}).annotate({ identifier: "SeedOrganizationRole" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationRole = typeof OrganizationRole.Type

/**
 * A user, with any subset of Logto's user fields.
 *
 * @category schemas
 * @since 0.1.0
 */
export const User = Schema.Struct({
  id: Schema.optionalKey(Ref),
  username: NullableString,
  primaryEmail: NullableString,
  primaryPhone: NullableString,
  name: NullableString,
  avatar: NullableString,
  customData: Schema.optionalKey(JsonObject),
  identities: Schema.optionalKey(user.identities),
  lastSignInAt: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  createdAt: Schema.optionalKey(Schema.Number),
  updatedAt: Schema.optionalKey(Schema.Number),
  profile: Schema.optionalKey(Member.UserProfile),
  applicationId: NullableString,
  cimdClientId: NullableString,
  isSuspended: Schema.optionalKey(Schema.Boolean)
}).annotate({ identifier: "SeedUser" })

/**
 * @category models
 * @since 0.1.0
 */
export type User = typeof User.Type

/**
 * An application (default type `MachineToMachine`), with any subset of Logto's fields. A
 * `secret` that does not start with `internal:` is shown in member lists, as Logto does for
 * legacy secrets.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Application = Schema.Struct({
  id: Schema.optionalKey(Ref),
  name: Text(256),
  secret: Schema.optionalKey(Schema.String),
  description: NullableString,
  type: Schema.optionalKey(Member.ApplicationType),
  oidcClientMetadata: Schema.optionalKey(app.oidcClientMetadata),
  customClientMetadata: Schema.optionalKey(app.customClientMetadata),
  protectedAppMetadata: Schema.optionalKey(app.protectedAppMetadata),
  customData: Schema.optionalKey(JsonObject),
  isThirdParty: Schema.optionalKey(Schema.Boolean),
  appLevelAccessControlEnabled: Schema.optionalKey(Schema.Boolean),
  createdAt: Schema.optionalKey(Schema.Number)
}).annotate({ identifier: "SeedApplication" })

/**
 * @category models
 * @since 0.1.0
 */
export type Application = typeof Application.Type

/**
 * An enterprise SSO connector (default provider `OIDC`).
 *
 * @category schemas
 * @since 0.1.0
 */
export const SsoConnector = Schema.Struct({
  id: Schema.optionalKey(Ref),
  providerName: Schema.optionalKey(Schema.String),
  connectorName: Text(128),
  config: Schema.optionalKey(JsonObject),
  domains: Schema.optionalKey(Schema.Array(Schema.String)),
  branding: Schema.optionalKey(
    Schema.Struct({
      displayName: Schema.optionalKey(Schema.String),
      logo: Schema.optionalKey(Schema.String),
      darkLogo: Schema.optionalKey(Schema.String)
    })
  ),
  syncProfile: Schema.optionalKey(Schema.Boolean),
  enableTokenStorage: Schema.optionalKey(Schema.Boolean),
  createdAt: Schema.optionalKey(Schema.Number)
}).annotate({ identifier: "SeedSsoConnector" })

/**
 * @category models
 * @since 0.1.0
 */
export type SsoConnector = typeof SsoConnector.Type

/**
 * A member of an organization: a user or application reference, or `{ id, roles }` with the
 * member's organization roles (ids or names).
 *
 * @category schemas
 * @since 0.1.0
 */
export const MemberRef = Schema.Union([
  Ref,
  Schema.Struct({ id: Ref, roles: Schema.optionalKey(Schema.Array(Ref)) })
]).annotate({ identifier: "SeedMember" })

/**
 * @category models
 * @since 0.1.0
 */
export type MemberRef = typeof MemberRef.Type

/**
 * An organization with its members and JIT settings. Its own fields are CreateOrganization's
 * (`createdAt` is applied here, unlike the API), plus an optional `id` of at most 21 characters.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Organization = Schema.Struct({
  ...Org.CreateOrganization.fields,
  id: Schema.optionalKey(OrganizationId),
  users: Schema.optionalKey(Schema.Array(MemberRef)),
  applications: Schema.optionalKey(Schema.Array(MemberRef)),
  jit: Schema.optionalKey(
    Schema.Struct({
      emailDomains: Schema.optionalKey(Schema.Array(Schema.String.check(Schema.isMaxLength(128)))),
      roles: Schema.optionalKey(Schema.Array(Ref)),
      ssoConnectors: Schema.optionalKey(Schema.Array(Ref))
    })
  )
}).annotate({ identifier: "SeedOrganization" })

/**
 * @category models
 * @since 0.1.0
 */
export type Organization = typeof Organization.Type

/**
 * A whole seed document. Loading it merges into the current state: objects with a known id are
 * updated (the fields given replace the stored ones), others are created; members, roles and
 * JIT entries are added to what an organization already has.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Seed = Schema.Struct({
  organizationScopes: Schema.optionalKey(Schema.Array(OrganizationScope)),
  organizationRoles: Schema.optionalKey(Schema.Array(OrganizationRole)),
  users: Schema.optionalKey(Schema.Array(User)),
  applications: Schema.optionalKey(Schema.Array(Application)),
  ssoConnectors: Schema.optionalKey(Schema.Array(SsoConnector)),
  organizations: Schema.optionalKey(Schema.Array(Organization))
}).annotate({
  identifier: "OrgkitFakeSeed",
  title: "@orgkit/testing seed",
  description: "Initial or additional data for the orgkit fake of Logto's Organizations API."
})

/**
 * @category models
 * @since 0.1.0
 */
export type Seed = typeof Seed.Type

/**
 * The JSON form of a seed, as written in files and sent to `POST /__orgkit/seed`.
 *
 * @category models
 * @since 0.1.0
 */
export type Input = typeof Seed.Encoded

/**
 * Decodes a seed document, reporting every problem at once. Unknown keys are ignored.
 *
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<Seed, string> => {
  const result = Schema.decodeUnknownResult(Seed)(input, { errors: "all", onExcessProperty: "ignore" })
  return Result.isSuccess(result) ? Result.succeed(result.success) : Result.fail(result.failure.message)
}

/**
 * The seed format as a JSON Schema document (draft 2020-12), as shipped in `seed.schema.json`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const jsonSchema = (): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(Seed)
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "@orgkit/testing seed",
    ...document.schema,
    $defs: document.definitions
  }
}
