/**
 * The request bodies of the membership, role and JIT operations, with Logto's constraints:
 * which arrays must be non-empty and which may be empty differs per operation.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NonEmpty, NonEmptyList } from "./internal/strings.ts"

const ids = (description: string) => Schema.Array(NonEmpty).annotate({ description })
const nonEmptyIds = (description: string) => NonEmptyList(NonEmpty).annotate({ description })

/**
 * AddOrganizationUsers: a non-empty list of user ids. Also its 201 body (echoed as sent).
 *
 * @category schemas
 * @since 0.1.0
 */
export const AddUsers = Schema.Struct({
  userIds: nonEmptyIds("An array of user IDs to be added to the organization.")
}).annotate({ identifier: "AddOrganizationUsers" })

/**
 * ReplaceOrganizationUsers: the full member list; may be empty.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReplaceUsers = Schema.Struct({
  userIds: ids("An array of user IDs to replace existing users.")
}).annotate({ identifier: "ReplaceOrganizationUsers" })

/**
 * AssignOrganizationRolesToUsers: every role to every user.
 *
 * @category schemas
 * @since 0.1.0
 */
export const AssignRolesToUsers = Schema.Struct({
  userIds: nonEmptyIds("An array of user IDs to assign roles."),
  organizationRoleIds: nonEmptyIds("An array of organization role IDs to assign.")
}).annotate({ identifier: "AssignOrganizationRolesToUsers" })

/**
 * ReplaceOrganizationUserRoles and AssignOrganizationRolesToUser: role ids and role names, both
 * optional and possibly empty.
 *
 * @category schemas
 * @since 0.1.0
 */
export const UserRoles = Schema.Struct({
  organizationRoleIds: Schema.optionalKey(ids("An array of organization role IDs.")),
  organizationRoleNames: Schema.optionalKey(ids("An array of organization role names."))
}).annotate({ identifier: "OrganizationUserRoles" })

/**
 * AssignOrganizationRolesToUser's 201 body: the deduplicated ids, given ids first.
 *
 * @category schemas
 * @since 0.1.0
 */
export const AssignedRoleIds = Schema.Struct({
  organizationRoleIds: Schema.Array(Schema.String)
}).annotate({ identifier: "AssignedOrganizationRoleIds" })

/**
 * AddOrganizationApplications: a non-empty list of machine-to-machine application ids.
 *
 * @category schemas
 * @since 0.1.0
 */
export const AddApplications = Schema.Struct({
  applicationIds: nonEmptyIds("The application IDs to add.")
}).annotate({ identifier: "AddOrganizationApplications" })

/**
 * ReplaceOrganizationApplications: the full application list; may be empty.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReplaceApplications = Schema.Struct({
  applicationIds: ids("An array of application IDs to replace existing applications.")
}).annotate({ identifier: "ReplaceOrganizationApplications" })

/**
 * AssignOrganizationRolesToApplications: every role to every application.
 *
 * @category schemas
 * @since 0.1.0
 */
export const AssignRolesToApplications = Schema.Struct({
  applicationIds: nonEmptyIds("An array of application IDs to assign roles to."),
  organizationRoleIds: nonEmptyIds("An array of organization role IDs to assign.")
}).annotate({ identifier: "AssignOrganizationRolesToApplications" })

/**
 * Role ids for one application, or JIT default roles: a non-empty list.
 *
 * @category schemas
 * @since 0.1.0
 */
export const RoleIds = Schema.Struct({
  organizationRoleIds: nonEmptyIds("An array of organization role IDs.")
}).annotate({ identifier: "OrganizationRoleIds" })

/**
 * ReplaceOrganizationJitRoles: the full list; may be empty.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReplaceRoleIds = Schema.Struct({
  organizationRoleIds: ids("An array of organization role IDs.")
}).annotate({ identifier: "ReplaceOrganizationRoleIds" })

/**
 * CreateOrganizationJitEmailDomain: one domain, stored verbatim (Logto's column holds 128).
 *
 * @category schemas
 * @since 0.1.0
 */
export const CreateEmailDomain = Schema.Struct({
  emailDomain: NonEmpty.annotate({ description: "The email domain to add." })
}).annotate({ identifier: "CreateOrganizationJitEmailDomain" })

/**
 * ReplaceOrganizationJitEmailDomains: the full list; may be empty, and items are not length-checked.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReplaceEmailDomains = Schema.Struct({
  emailDomains: Schema.Array(Schema.String).annotate({
    description: "An array of email domains to replace existing email domains."
  })
}).annotate({ identifier: "ReplaceOrganizationJitEmailDomains" })

/**
 * CreateOrganizationJitSsoConnector: a non-empty list of SSO connector ids.
 *
 * @category schemas
 * @since 0.1.0
 */
export const SsoConnectorIds = Schema.Struct({
  ssoConnectorIds: nonEmptyIds("An array of SSO connector IDs.")
}).annotate({ identifier: "OrganizationSsoConnectorIds" })

/**
 * ReplaceOrganizationJitSsoConnectors: the full list; may be empty.
 *
 * @category schemas
 * @since 0.1.0
 */
export const ReplaceSsoConnectorIds = Schema.Struct({
  ssoConnectorIds: ids("An array of SSO connector IDs.")
}).annotate({ identifier: "ReplaceOrganizationSsoConnectorIds" })
