/**
 * The five organization endpoints: list, create, get, update, delete.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { auth, operation, paginated, params, StoredPatch } from "./internal/endpoint.ts"
import * as LogtoError from "./LogtoError.ts"
import * as Organization from "./Organization.ts"
import * as Pagination from "./Pagination.ts"

/**
 * @category models
 * @since 0.1.0
 */
export class OrganizationsGroup extends HttpApiGroup.make("organizations")
  // CreateOrganization first: Logto's router registers it first, so `Allow` reads "POST, HEAD, GET".
  .add(
    HttpApiEndpoint.post("createOrganization", "/organizations", {
      payload: Organization.CreateOrganization,
      success: Organization.Organization.pipe(HttpApiSchema.status(201)),
      error: [...auth, LogtoError.BadRequest, LogtoError.UnprocessableEntity]
    }).annotateMerge(operation("CreateOrganization", "Create an organization")),
    HttpApiEndpoint.get("listOrganizations", "/organizations", {
      query: {
        q: Schema.optionalKey(Schema.String).annotate({
          description: "Case-insensitive substring of the id or name; `%` and `_` are wildcards."
        }),
        showFeatured: Schema.optionalKey(Schema.String).annotate({
          description:
            "`1`, `true`, `y`, `yes`, `yep` or `yeah` (any case) adds `usersCount` and up to 3 `featuredUsers`."
        }),
        ...Pagination.PaginationQuery
      },
      success: paginated(Organization.OrganizationWithFeatured),
      error: [...auth, LogtoError.BadRequest, LogtoError.UnprocessableEntity]
    })
      .annotateMerge(
        operation(
          "ListOrganizations",
          "Get organizations",
          "Always paginated (default 20); the total is in `Total-Number`."
        )
      )
      .annotate(Pagination.PaginationMode, "mandatory"),
    HttpApiEndpoint.get("getOrganization", "/organizations/:id", {
      params: { id: params.id },
      success: Organization.Organization,
      error: [...auth, LogtoError.NotFound]
    }).annotateMerge(operation("GetOrganization", "Get organization")),
    HttpApiEndpoint.patch("updateOrganization", "/organizations/:id", {
      params: { id: params.id },
      payload: Organization.UpdateOrganization,
      success: Organization.Organization,
      error: [...auth, LogtoError.BadRequest, LogtoError.NotFound, LogtoError.UnprocessableEntity]
    })
      .annotateMerge(
        operation(
          "UpdateOrganization",
          "Update organization",
          "Only the keys sent change; `customData`, `color` and `branding` are replaced wholesale. `id` is ignored whatever its value; a body with nothing else is 422 `entity.invalid_input`."
        )
      )
      .annotate(StoredPatch, { ignoredKeys: ["id"], requireKeys: true, timestampKeys: ["createdAt"] }),
    HttpApiEndpoint.delete("deleteOrganization", "/organizations/:id", {
      params: { id: params.id },
      error: [...auth, LogtoError.NotFound]
    }).annotateMerge(operation("DeleteOrganization", "Delete organization"))
  )
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({ title: "Organizations", description: "Organization CRUD." })) {}
