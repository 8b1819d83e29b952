/**
 * The `applications` group: machine-to-machine members and their roles.
 *
 * @since 0.1.0
 */
import { OrganizationsApi } from "@orgkit/core"
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { created, optionallyPaginated, paginated, pagingOf, paramsOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `applications` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(OrganizationsApi.OrganizationsApi, "applications", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationApplications", ({ params, query, request }) =>
        respond(
          store.listOrganizationApplications(
            paramsOf(request, params).id,
            query,
            pagingOf(request, "mandatory", query)
          ),
          paginated
        )
      )
      .handle("addOrganizationApplications", ({ params, payload, request }) =>
        respond(store.addOrganizationApplications(paramsOf(request, params).id, payload.applicationIds), created)
      )
      .handle("replaceOrganizationApplications", ({ params, payload, request }) =>
        respond(
          store.replaceOrganizationApplications(paramsOf(request, params).id, payload.applicationIds),
          () => undefined
        )
      )
      .handle("deleteOrganizationApplication", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationApplication(p.id, p.applicationId), () => undefined)
      })
      .handle("assignOrganizationRolesToApplications", ({ params, payload, request }) =>
        respond(
          store.assignOrganizationRolesToApplications(
            paramsOf(request, params).id,
            payload.applicationIds,
            payload.organizationRoleIds
          ),
          created
        )
      )
      .handle("listOrganizationApplicationRoles", ({ params, query, request }) => {
        const p = paramsOf(request, params)
        return respond(
          store.listOrganizationApplicationRoles(p.id, p.applicationId, pagingOf(request, "optional", query)),
          optionallyPaginated
        )
      })
      .handle("replaceOrganizationApplicationRoles", ({ params, payload, request }) => {
        const p = paramsOf(request, params)
        return respond(
          store.replaceOrganizationApplicationRoles(p.id, p.applicationId, payload.organizationRoleIds),
          () => undefined
        )
      })
      .handle("assignOrganizationRolesToApplication", ({ params, payload, request }) => {
        const p = paramsOf(request, params)
        return respond(
          store.assignOrganizationRolesToApplication(p.id, p.applicationId, payload.organizationRoleIds),
          created
        )
      })
      .handle("deleteOrganizationApplicationRole", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(
          store.deleteOrganizationApplicationRole(p.id, p.applicationId, p.organizationRoleId),
          () => undefined
        )
      })
  })
)
