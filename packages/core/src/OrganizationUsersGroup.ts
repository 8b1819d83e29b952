/**
 * The ten user-membership endpoints: members, their roles and their scopes.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import {
  auth,
  CreatedText,
  Idempotent,
  operation,
  optionallyPaginated,
  paginated,
  params
} from "./internal/endpoint.ts"
import * as LogtoError from "./LogtoError.ts"
import * as Member from "./Member.ts"
import * as Pagination from "./Pagination.ts"
import * as Payload from "./Payload.ts"
import * as Role from "./Role.ts"

const member = { id: params.id, userId: params.userId }
const writeErrors = [...auth, LogtoError.BadRequest, LogtoError.UnprocessableEntity] as const

/**
 * @category models
 * @since 0.1.0
 */
export class OrganizationUsersGroup extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.get("listOrganizationUsers", "/organizations/:id/users", {
      params: { id: params.id },
      query: {
        q: Schema.optionalKey(Schema.String).annotate({
          description: "Case-insensitive substring of the id, primary email, primary phone, username or name."
        }),
        organizationRoleId: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))).annotate({
          description: "Only members holding this organization role."
        }),
        ...Pagination.PaginationQuery
      },
      success: paginated(Member.OrganizationUser),
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "ListOrganizationUsers",
          "Get user members of organization",
          "Sorted by user id; an unknown organization gives `[]`."
        )
      )
      .annotate(Pagination.PaginationMode, "mandatory"),
    HttpApiEndpoint.post("addOrganizationUsers", "/organizations/:id/users", {
      params: { id: params.id },
      payload: Payload.AddUsers,
      success: Payload.AddUsers.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    })
      .annotateMerge(
        operation("AddOrganizationUsers", "Add user members to organization", "Idempotent; the body is echoed as sent.")
      )
      .annotate(Idempotent, true),
    HttpApiEndpoint.put("replaceOrganizationUsers", "/organizations/:id/users", {
      params: { id: params.id },
      payload: Payload.ReplaceUsers,
      error: writeErrors
    }).annotateMerge(
      operation("ReplaceOrganizationUsers", "Replace organization user members", "Members that stay keep their roles.")
    ),
    HttpApiEndpoint.delete("deleteOrganizationUser", "/organizations/:id/users/:userId", {
      params: member,
      error: [...auth, LogtoError.NotFound]
    }).annotateMerge(operation("DeleteOrganizationUser", "Remove user member from organization")),
    HttpApiEndpoint.post("assignOrganizationRolesToUsers", "/organizations/:id/users/roles", {
      params: { id: params.id },
      payload: Payload.AssignRolesToUsers,
      success: CreatedText,
      error: writeErrors
    })
      .annotateMerge(operation("AssignOrganizationRolesToUsers", "Assign roles to organization user members"))
      .annotate(Idempotent, true),
    HttpApiEndpoint.get("listOrganizationUserRoles", "/organizations/:id/users/:userId/roles", {
      params: member,
      query: Pagination.PaginationQuery,
      success: optionallyPaginated(Role.OrganizationRole),
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "ListOrganizationUserRoles",
          "Get roles for a user in an organization",
          "Paginated only when `page` or `page_size` is sent."
        )
      )
      .annotate(Pagination.PaginationMode, "optional"),
    HttpApiEndpoint.put("replaceOrganizationUserRoles", "/organizations/:id/users/:userId/roles", {
      params: member,
      payload: Payload.UserRoles,
      error: writeErrors
    }).annotateMerge(operation("ReplaceOrganizationUserRoles", "Update roles for a user in an organization")),
    HttpApiEndpoint.post("assignOrganizationRolesToUser", "/organizations/:id/users/:userId/roles", {
      params: member,
      payload: Payload.UserRoles,
      success: Payload.AssignedRoleIds.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    })
      .annotateMerge(operation("AssignOrganizationRolesToUser", "Assign roles to a user in an organization"))
      .annotate(Idempotent, true),
    HttpApiEndpoint.delete("deleteOrganizationUserRole", "/organizations/:id/users/:userId/roles/:organizationRoleId", {
      params: { ...member, organizationRoleId: params.organizationRoleId },
      error: [...auth, LogtoError.NotFound, LogtoError.UnprocessableEntity]
    }).annotateMerge(operation("DeleteOrganizationUserRole", "Remove a role from a user in an organization")),
    HttpApiEndpoint.get("listOrganizationUserScopes", "/organizations/:id/users/:userId/scopes", {
      params: member,
      success: Schema.Array(Role.OrganizationScope),
      error: auth
    })
      .annotateMerge(
        operation(
          "ListOrganizationUserScopes",
          "Get scopes for a user in an organization tailored by the organization roles",
          "Not paginated; `[]` for a non-member."
        )
      )
      .annotate(Pagination.PaginationMode, "none")
  )
  .prefix("/api")
  .annotateMerge(
    OpenApi.annotations({ title: "Organization users", description: "User members, their roles and scopes." })
  ) {}
