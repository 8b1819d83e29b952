/**
 * Organization members: users and machine-to-machine applications, each with its roles in the
 * organization.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { JsonObject } from "./internal/strings.ts"
import { OrganizationRoleRef } from "./Role.ts"

const optionalStrings = <const K extends ReadonlyArray<string>>(keys: K) =>
  Object.fromEntries(keys.map((k) => [k, Schema.optionalKey(Schema.String)])) as {
    readonly [P in K[number]]: Schema.optionalKey<Schema.String>
  }

/**
 * A user's OpenID Connect profile claims.
 *
 * @category schemas
 * @since 0.1.0
 */
export const UserProfile = Schema.Struct({
  ...optionalStrings([
    "familyName",
    "givenName",
    "middleName",
    "nickname",
    "preferredUsername",
    "profile",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale"
  ]),
  address: Schema.optionalKey(
    Schema.Struct(optionalStrings(["formatted", "streetAddress", "locality", "region", "postalCode", "country"]))
  )
}).annotate({ identifier: "UserProfile" })

/**
 * A member as ListOrganizationUsers returns it: the user's public fields plus its roles here,
 * sorted by name. `cimdClientId` is sent by Logto after 1.42.0 and may be absent.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationUser = Schema.Struct({
  id: Schema.String,
  username: Schema.NullOr(Schema.String),
  primaryEmail: Schema.NullOr(Schema.String),
  primaryPhone: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  avatar: Schema.NullOr(Schema.String),
  customData: JsonObject,
  identities: Schema.Record(
    Schema.String,
    Schema.Struct({ userId: Schema.String, details: Schema.optionalKey(JsonObject) })
  ),
  lastSignInAt: Schema.NullOr(Schema.Number),
  createdAt: Schema.Number,
  updatedAt: Schema.Number,
  profile: UserProfile,
  applicationId: Schema.NullOr(Schema.String),
  cimdClientId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  isSuspended: Schema.Boolean,
  organizationRoles: Schema.Array(OrganizationRoleRef)
}).annotate({ identifier: "OrganizationUser" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationUser = typeof OrganizationUser.Type

/**
 * Application types. Only `MachineToMachine` applications can be organization members.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ApplicationType = Schema.Literals([
  "Native",
  "SPA",
  "Traditional",
  "MachineToMachine",
  "Protected",
  "SAML"
])

/**
 * @category models
 * @since 0.1.0
 */
export type ApplicationType = typeof ApplicationType.Type

const ProtectedAppMetadata = Schema.Struct({
  host: Schema.String,
  origin: Schema.String,
  sessionDuration: Schema.Number,
  pageRules: Schema.Array(Schema.Struct({ path: Schema.String })),
  additionalScopes: Schema.optionalKey(
    Schema.Array(
      Schema.Literals([
        "custom_data",
        "identities",
        "roles",
        "urn:logto:scope:organizations",
        "urn:logto:scope:organization_roles"
      ])
    )
  ),
  customDomains: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        domain: Schema.String,
        status: Schema.Literals(["PendingVerification", "PendingSsl", "Active", "Error"]),
        errorMessage: Schema.NullOr(Schema.String),
        dnsRecords: Schema.Array(Schema.Struct({ name: Schema.String, type: Schema.String, value: Schema.String })),
        cloudflareData: Schema.NullOr(
          Schema.Struct({
            id: Schema.String,
            status: Schema.String,
            ssl: Schema.Struct({
              status: Schema.String,
              validation_errors: Schema.optionalKey(Schema.Array(Schema.Struct({ message: Schema.String })))
            }),
            verification_errors: Schema.optionalKey(Schema.Array(Schema.String))
          })
        )
      })
    )
  )
})

/**
 * A member application as ListOrganizationApplications returns it, with its roles here.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationApplication = Schema.Struct({
  tenantId: Schema.String,
  id: Schema.String,
  name: Schema.String,
  secret: Schema.optionalKey(Schema.String),
  description: Schema.NullOr(Schema.String),
  type: ApplicationType,
  oidcClientMetadata: Schema.Struct({
    redirectUris: Schema.Array(Schema.String),
    postLogoutRedirectUris: Schema.Array(Schema.String),
    backchannelLogoutUri: Schema.optionalKey(Schema.String),
    backchannelLogoutSessionRequired: Schema.optionalKey(Schema.Boolean),
    logoUri: Schema.optionalKey(Schema.String)
  }),
  customClientMetadata: Schema.Struct({
    corsAllowedOrigins: Schema.optionalKey(Schema.Array(Schema.String)),
    idTokenTtl: Schema.optionalKey(Schema.Number),
    refreshTokenTtl: Schema.optionalKey(Schema.Number),
    refreshTokenTtlInDays: Schema.optionalKey(Schema.Number),
    tenantId: Schema.optionalKey(Schema.String),
    alwaysIssueRefreshToken: Schema.optionalKey(Schema.Boolean),
    rotateRefreshToken: Schema.optionalKey(Schema.Boolean),
    allowTokenExchange: Schema.optionalKey(Schema.Boolean),
    isDeviceFlow: Schema.optionalKey(Schema.Boolean),
    maxAllowedGrants: Schema.optionalKey(Schema.Number)
  }),
  protectedAppMetadata: Schema.NullOr(ProtectedAppMetadata),
  customData: JsonObject,
  isThirdParty: Schema.Boolean,
  appLevelAccessControlEnabled: Schema.Boolean,
  createdAt: Schema.Number,
  organizationRoles: Schema.Array(OrganizationRoleRef)
}).annotate({ identifier: "OrganizationApplication" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationApplication = typeof OrganizationApplication.Type
