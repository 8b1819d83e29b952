/**
 * The twelve just-in-time provisioning endpoints: email domains, default roles, SSO connectors.
 *
 * @since 0.1.0
 */
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import { auth, CreatedText, Idempotent, operation, optionallyPaginated, params } from "./internal/endpoint.ts"
import * as Jit from "./Jit.ts"
import * as LogtoError from "./LogtoError.ts"
import * as Pagination from "./Pagination.ts"
import * as Payload from "./Payload.ts"
import * as Role from "./Role.ts"

const org = { id: params.id }
const writeErrors = [...auth, LogtoError.BadRequest, LogtoError.UnprocessableEntity] as const
const deleteErrors = [...auth, LogtoError.NotFound] as const

/**
 * @category models
 * @since 0.1.0
 */
export class OrganizationJitGroup extends HttpApiGroup.make("jit")
  .add(
    HttpApiEndpoint.get("listOrganizationJitEmailDomains", "/organizations/:id/jit/email-domains", {
      params: org,
      query: Pagination.PaginationQuery,
      success: optionallyPaginated(Jit.JitEmailDomain),
      error: writeErrors
    })
      .annotateMerge(
        operation(
          "ListOrganizationJitEmailDomains",
          "Get organization JIT email domains",
          "Paginated only when `page` or `page_size` is sent; an unknown organization gives `[]`."
        )
      )
      .annotate(Pagination.PaginationMode, "optional"),
    HttpApiEndpoint.post("createOrganizationJitEmailDomain", "/organizations/:id/jit/email-domains", {
      params: org,
      payload: Payload.CreateEmailDomain,
      success: Jit.JitEmailDomain.pipe(HttpApiSchema.status(201)),
      error: writeErrors
    }).annotateMerge(
      operation(
        "CreateOrganizationJitEmailDomain",
        "Add organization JIT email domain",
        "Not idempotent: a domain already present is 422."
      )
    ),
    HttpApiEndpoint.put("replaceOrganizationJitEmailDomains", "/organizations/:id/jit/email-domains", {
      params: org,
      payload: Payload.ReplaceEmailDomains,
      error: writeErrors
    }).annotateMerge(operation("ReplaceOrganizationJitEmailDomains", "Replace organization JIT email domains")),
    HttpApiEndpoint.delete("deleteOrganizationJitEmailDomain", "/organizations/:id/jit/email-domains/:emailDomain", {
      params: { ...org, emailDomain: params.emailDomain },
      error: deleteErrors
    }).annotateMerge(operation("DeleteOrganizationJitEmailDomain", "Remove organization JIT email domain")),
    HttpApiEndpoint.get("listOrganizationJitRoles", "/organizations/:id/jit/roles", {
      params: org,
      query: Pagination.PaginationQuery,
      success: optionallyPaginated(Role.OrganizationRole),
      error: [...writeErrors, LogtoError.NotFound]
    })
      .annotateMerge(
        operation(
          "ListOrganizationJitRoles",
          "Get organization JIT default roles",
          "Paginated only when `page` or `page_size` is sent."
        )
      )
      .annotate(Pagination.PaginationMode, "optional"),
    HttpApiEndpoint.post("createOrganizationJitRole", "/organizations/:id/jit/roles", {
      params: org,
      payload: Payload.RoleIds,
      success: CreatedText,
      error: writeErrors
    })
      .annotateMerge(operation("CreateOrganizationJitRole", "Add organization JIT default roles"))
      .annotate(Idempotent, true),
    HttpApiEndpoint.put("replaceOrganizationJitRoles", "/organizations/:id/jit/roles", {
      params: org,
      payload: Payload.ReplaceRoleIds,
      error: writeErrors
    }).annotateMerge(operation("ReplaceOrganizationJitRoles", "Replace organization JIT default roles")),
    HttpApiEndpoint.delete("deleteOrganizationJitRole", "/organizations/:id/jit/roles/:organizationRoleId", {
      params: { ...org, organizationRoleId: params.organizationRoleId },
      error: deleteErrors
    }).annotateMerge(operation("DeleteOrganizationJitRole", "Remove organization JIT default role")),
    HttpApiEndpoint.get("listOrganizationJitSsoConnectors", "/organizations/:id/jit/sso-connectors", {
      params: org,
      query: Pagination.PaginationQuery,
      success: optionallyPaginated(Jit.SsoConnector),
      error: [...writeErrors, LogtoError.NotFound]
    })
      .annotateMerge(
        operation(
          "ListOrganizationJitSsoConnectors",
          "Get organization JIT SSO connectors",
          "Paginated only when `page` or `page_size` is sent."
        )
      )
      .annotate(Pagination.PaginationMode, "optional"),
    HttpApiEndpoint.post("createOrganizationJitSsoConnector", "/organizations/:id/jit/sso-connectors", {
      params: org,
      payload: Payload.SsoConnectorIds,
      success: CreatedText,
      error: writeErrors
    })
      .annotateMerge(operation("CreateOrganizationJitSsoConnector", "Add organization JIT SSO connectors"))
      .annotate(Idempotent, true),
    HttpApiEndpoint.put("replaceOrganizationJitSsoConnectors", "/organizations/:id/jit/sso-connectors", {
      params: org,
      payload: Payload.ReplaceSsoConnectorIds,
      error: writeErrors
    }).annotateMerge(operation("ReplaceOrganizationJitSsoConnectors", "Replace organization JIT SSO connectors")),
    HttpApiEndpoint.delete(
      "deleteOrganizationJitSsoConnector",
      "/organizations/:id/jit/sso-connectors/:ssoConnectorId",
      {
        params: { ...org, ssoConnectorId: params.ssoConnectorId },
        error: deleteErrors
      }
    ).annotateMerge(operation("DeleteOrganizationJitSsoConnector", "Remove organization JIT SSO connector"))
  )
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({ title: "Organization JIT", description: "Just-in-time provisioning." })) {}
