/**
 * The nine application-membership endpoints: machine-to-machine members and their roles.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
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

const member = { id: params.id, applicationId: params.applicationId }
const writeErrors = [...auth, LogtoError.BadRequest, LogtoError.UnprocessableEntity] as const

/**
 * @category models
 * @since 0.1.0
 */
export class OrganizationApplicationsGroup extends HttpApiGroup.make("applications")
  .add(
    HttpApiEndpoint.get("listOrganizationApplications", "/organizations/:id/applications", {
      params: { id: params.id },
      query: {
        q: Schema.optionalKey(Schema.String).annotate({
          description: "Case-insensitive substring of the id, name or description."
        }),
        ...Pagination.PaginationQuery
      },
      success: paginated(Member.OrganizationApplication),
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "ListOrganizationApplications",
          "Get organization applications",
          "An unknown organization gives `[]`."
        )
      )
      .annotate(Pagination.PaginationMode, "mandatory"),
    HttpApiEndpoint.post("addOrganizationApplications", "/organizations/:id/applications", {
      params: { id: params.id },
      payload: Payload.AddApplications,
      success: CreatedText,
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "AddOrganizationApplications",
          "Add organization application",
          "Only machine-to-machine applications can be members."
        )
      )
      .annotate(Idempotent, true),
    HttpApiEndpoint.put("replaceOrganizationApplications", "/organizations/:id/applications", {
      params: { id: params.id },
      payload: Payload.ReplaceApplications,
      error: writeErrors
    }).annotateMerge(
      operation(
        "ReplaceOrganizationApplications",
        "Replace organization applications",
        "Applications that stay keep their roles."
      )
    ),
    HttpApiEndpoint.delete("deleteOrganizationApplication", "/organizations/:id/applications/:applicationId", {
      params: member,
      error: [...auth, LogtoError.NotFound]
    }).annotateMerge(operation("DeleteOrganizationApplication", "Remove organization application")),
    HttpApiEndpoint.post("assignOrganizationRolesToApplications", "/organizations/:id/applications/roles", {
      params: { id: params.id },
      payload: Payload.AssignRolesToApplications,
      success: CreatedText,
      error: writeErrors
    })
      .annotateMerge(
        operation("AssignOrganizationRolesToApplications", "Assign roles to applications in an organization")
      )
      .annotate(Idempotent, true),
    HttpApiEndpoint.get("listOrganizationApplicationRoles", "/organizations/:id/applications/:applicationId/roles", {
      params: member,
      query: Pagination.PaginationQuery,
      success: optionallyPaginated(Role.OrganizationRole),
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "ListOrganizationApplicationRoles",
          "Get organization application roles",
          "Paginated only when `page` or `page_size` is sent."
        )
      )
      .annotate(Pagination.PaginationMode, "optional"),
    HttpApiEndpoint.put("replaceOrganizationApplicationRoles", "/organizations/:id/applications/:applicationId/roles", {
      params: member,
      payload: Payload.RoleIds,
      error: writeErrors
    }).annotateMerge(
      operation(
        "ReplaceOrganizationApplicationRoles",
        "Replace organization application roles",
        "The list must be non-empty and free of duplicates."
      )
    ),
    HttpApiEndpoint.post(
      "assignOrganizationRolesToApplication",
      "/organizations/:id/applications/:applicationId/roles",
      {
        params: member,
        payload: Payload.RoleIds,
        success: CreatedText,
        error: writeErrors
      }
    )
      .annotateMerge(operation("AssignOrganizationRolesToApplication", "Add organization application role"))
      .annotate(Idempotent, true),
    HttpApiEndpoint.delete(
      "deleteOrganizationApplicationRole",
      "/organizations/:id/applications/:applicationId/roles/:organizationRoleId",
      {
        params: { ...member, organizationRoleId: params.organizationRoleId },
        error: [...auth, LogtoError.NotFound, LogtoError.UnprocessableEntity]
      }
    ).annotateMerge(operation("DeleteOrganizationApplicationRole", "Remove organization application role"))
  )
  .prefix("/api")
  .annotateMerge(
    OpenApi.annotations({
      title: "Organization applications",
      description: "Machine-to-machine members and their roles."
    })
  ) {}
