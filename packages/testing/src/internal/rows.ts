/**
 * The stored rows and how seed objects become rows: Logto's defaults for every missing field, and
 * the fields of an existing row kept when a seed updates it.
 */
import type { Jit, Member, Organization, Role } from "@orgkit/core"
import type * as Seed from "../Seed.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** A user as stored: the fields ListOrganizationUsers shows, without roles. */
export type UserRow = Mutable<Omit<Member.OrganizationUser, "organizationRoles" | "cimdClientId">> & {
  cimdClientId: string | null
}

/** An application as stored. */
export type AppRow = Omit<Member.OrganizationApplication, "organizationRoles">

/** An organization role as stored, with its creation sequence (Logto's storage order). */
export interface RoleRow extends Role.OrganizationRole {
  readonly seq: number
}

const pick = <T>(value: T | undefined, previous: T | undefined, fallback: T): T =>
  value !== undefined ? value : previous !== undefined ? previous : fallback

/** A user row from a seed object, over `previous` when it exists. */
export const user = (input: Seed.User, id: string, now: number, previous?: UserRow): UserRow => {
  const createdAt = pick(input.createdAt, previous?.createdAt, now)
  return {
    id,
    username: pick(input.username, previous?.username, null),
    primaryEmail: pick(input.primaryEmail, previous?.primaryEmail, null),
    primaryPhone: pick(input.primaryPhone, previous?.primaryPhone, null),
    name: pick(input.name, previous?.name, null),
    avatar: pick(input.avatar, previous?.avatar, null),
    customData: pick(input.customData, previous?.customData, {}),
    identities: pick(input.identities, previous?.identities, {}),
    lastSignInAt: pick(input.lastSignInAt, previous?.lastSignInAt, null),
    createdAt,
    updatedAt: pick(input.updatedAt, previous === undefined ? undefined : now, createdAt),
    profile: pick(input.profile, previous?.profile, {}),
    applicationId: pick(input.applicationId, previous?.applicationId, null),
    isSuspended: pick(input.isSuspended, previous?.isSuspended, false),
    cimdClientId: pick(input.cimdClientId, previous?.cimdClientId, null)
  }
}

/** An application row from a seed object. */
export const application = (
  input: Seed.Application,
  id: string,
  tenantId: string,
  now: number,
  previous?: AppRow
): AppRow => {
  const secret = pick(input.secret, previous?.secret, undefined)
  return {
    tenantId,
    id,
    name: input.name,
    ...(secret === undefined ? {} : { secret }),
    description: pick(input.description, previous?.description, null),
    type: pick(input.type, previous?.type, "MachineToMachine"),
    oidcClientMetadata: pick(input.oidcClientMetadata, previous?.oidcClientMetadata, {
      redirectUris: [],
      postLogoutRedirectUris: []
    }),
    customClientMetadata: pick(input.customClientMetadata, previous?.customClientMetadata, {}),
    protectedAppMetadata: pick(input.protectedAppMetadata, previous?.protectedAppMetadata, null),
    customData: pick(input.customData, previous?.customData, {}),
    isThirdParty: pick(input.isThirdParty, previous?.isThirdParty, false),
    appLevelAccessControlEnabled: pick(
      input.appLevelAccessControlEnabled,
      previous?.appLevelAccessControlEnabled,
      false
    ),
    createdAt: pick(input.createdAt, previous?.createdAt, now)
  }
}

/**
 * An application as a member list shows it: Logto omits `secret` unless it is a legacy secret
 * (one not marked `internal:`).
 */
export const applicationView = (row: AppRow): AppRow => {
  if (row.secret === undefined || !row.secret.startsWith("internal:")) return row
  const { secret: _secret, ...rest } = row
  return rest
}

/** An organization role row from a seed object. */
export const role = (
  input: Seed.OrganizationRole,
  id: string,
  tenantId: string,
  seq: number,
  previous?: RoleRow
): RoleRow => ({
  tenantId,
  id,
  name: input.name,
  description: pick(input.description, previous?.description, null),
  type: pick(input.type, previous?.type, "User"),
  seq: previous?.seq ?? seq
})

/** A role as the role lists return it (without the sequence). */
export const roleView = (row: RoleRow): Role.OrganizationRole => ({
  tenantId: row.tenantId,
  id: row.id,
  name: row.name,
  description: row.description,
  type: row.type
})

/** An organization scope row from a seed object. */
export const scope = (
  input: Seed.OrganizationScope,
  id: string,
  tenantId: string,
  previous?: Role.OrganizationScope
): Role.OrganizationScope => ({
  tenantId,
  id,
  name: input.name,
  description: pick(input.description, previous?.description, null)
})

/** An SSO connector row from a seed object. */
export const connector = (
  input: Seed.SsoConnector,
  id: string,
  tenantId: string,
  now: number,
  previous?: Jit.SsoConnector
): Jit.SsoConnector => ({
  tenantId,
  id,
  providerName: pick(input.providerName, previous?.providerName, "OIDC"),
  connectorName: input.connectorName,
  config: pick(input.config, previous?.config, {}),
  domains: pick(input.domains, previous?.domains, []),
  branding: pick(input.branding, previous?.branding, {}),
  syncProfile: pick(input.syncProfile, previous?.syncProfile, false),
  enableTokenStorage: pick(input.enableTokenStorage, previous?.enableTokenStorage, false),
  createdAt: pick(input.createdAt, previous?.createdAt, now)
})

/** `""` is stored as `null` in Logto's nullable text columns. */
export const nullIfEmpty = (value: string | null): string | null => (value === "" ? null : value)

type OrganizationFields = Omit<Seed.Organization, "id" | "users" | "applications" | "jit">

/**
 * An organization row from a create body or a seed object: `""` becomes `null` for `description`
 * and `customCss`; `tenantId` is never taken from the input; `createdAt` only from a seed.
 */
export const organization = (
  input: OrganizationFields,
  id: string,
  tenantId: string,
  createdAt: number,
  previous?: Organization.Organization
): Organization.Organization => ({
  tenantId,
  id,
  name: input.name,
  description: input.description !== undefined ? nullIfEmpty(input.description) : (previous?.description ?? null),
  customData: pick(input.customData, previous?.customData, {}),
  isMfaRequired: pick(input.isMfaRequired, previous?.isMfaRequired, false),
  color: pick(input.color, previous?.color, {}),
  branding: pick(input.branding, previous?.branding, {}),
  customCss: input.customCss !== undefined ? nullIfEmpty(input.customCss) : (previous?.customCss ?? null),
  createdAt
})
