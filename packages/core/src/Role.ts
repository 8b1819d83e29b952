/**
 * Organization roles and organization scopes: the template every organization shares.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * `User` roles go to users, `MachineToMachine` roles to applications.
 *
 * @category schemas
 * @since 0.1.0
 */
export const RoleType = Schema.Literals(["User", "MachineToMachine"])

/**
 * @category models
 * @since 0.1.0
 */
export type RoleType = typeof RoleType.Type

/**
 * An organization role, without its scopes (as the role lists return it).
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationRole = Schema.Struct({
  tenantId: Schema.String,
  id: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  type: RoleType
}).annotate({ identifier: "OrganizationRole" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationRole = typeof OrganizationRole.Type

/**
 * A role as embedded in a member: `{ id, name }`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationRoleRef = Schema.Struct({
  id: Schema.String,
  name: Schema.String
}).annotate({ identifier: "OrganizationRoleRef" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationRoleRef = typeof OrganizationRoleRef.Type

/**
 * An organization scope (permission).
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationScope = Schema.Struct({
  tenantId: Schema.String,
  id: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String)
}).annotate({ identifier: "OrganizationScope" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationScope = typeof OrganizationScope.Type
