/**
 * The `applications` group: machine-to-machine members and their roles.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { FakeApi } from "../internal/api.ts"
import { created, optionallyPaginated, paginated, pagingOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `applications` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(FakeApi, "applications", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationApplications", ({ params, query, request }) =>
        respond(store.listOrganizationApplications(params.id, query, pagingOf(request, "mandatory")), paginated)
      )
      .handle("addOrganizationApplications", ({ params, payload }) =>
        respond(store.addOrganizationApplications(params.id, payload.applicationIds), created)
      )
      .handle("replaceOrganizationApplications", ({ params, payload }) =>
        respond(store.replaceOrganizationApplications(params.id, payload.applicationIds), () => undefined)
      )
      .handle("deleteOrganizationApplication", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationApplication(p.id, p.applicationId), () => undefined)
      })
      .handle("assignOrganizationRolesToApplications", ({ params, payload }) =>
        respond(
          store.assignOrganizationRolesToApplications(params.id, payload.applicationIds, payload.organizationRoleIds),
          created
        )
      )
      .handle("listOrganizationApplicationRoles", ({ params, request }) => {
        const p = params
        return respond(
          store.listOrganizationApplicationRoles(p.id, p.applicationId, pagingOf(request, "optional")),
          optionallyPaginated
        )
      })
      .handle("replaceOrganizationApplicationRoles", ({ params, payload }) => {
        const p = params
        return respond(
          store.replaceOrganizationApplicationRoles(p.id, p.applicationId, payload.organizationRoleIds),
          () => undefined
        )
      })
      .handle("assignOrganizationRolesToApplication", ({ params, payload }) => {
        const p = params
        return respond(
          store.assignOrganizationRolesToApplication(p.id, p.applicationId, payload.organizationRoleIds),
          created
        )
      })
      .handle("deleteOrganizationApplicationRole", ({ params }) => {
        const p = params
        return respond(
          store.deleteOrganizationApplicationRole(p.id, p.applicationId, p.organizationRoleId),
          () => undefined
        )
      })
  })
)
