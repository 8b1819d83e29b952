/**
 * The `users` group: user members, their roles and their scopes.
 *
 * @since 0.1.0
 */
import { OrganizationsApi } from "@orgkit/core"
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { created, optionallyPaginated, paginated, pagingOf, paramsOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `users` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(OrganizationsApi.OrganizationsApi, "users", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationUsers", ({ params, query, request }) =>
        respond(
          store.listOrganizationUsers(paramsOf(request, params).id, query, pagingOf(request, "mandatory", query)),
          paginated
        )
      )
      .handle("addOrganizationUsers", ({ params, payload, request }) =>
        respond(store.addOrganizationUsers(paramsOf(request, params).id, payload.userIds), (userIds) => ({ userIds }))
      )
      .handle("replaceOrganizationUsers", ({ params, payload, request }) =>
        respond(store.replaceOrganizationUsers(paramsOf(request, params).id, payload.userIds), () => undefined)
      )
      .handle("deleteOrganizationUser", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationUser(p.id, p.userId), () => undefined)
      })
      .handle("assignOrganizationRolesToUsers", ({ params, payload, request }) =>
        respond(
          store.assignOrganizationRolesToUsers(
            paramsOf(request, params).id,
            payload.userIds,
            payload.organizationRoleIds
          ),
          created
        )
      )
      .handle("listOrganizationUserRoles", ({ params, query, request }) => {
        const p = paramsOf(request, params)
        return respond(
          store.listOrganizationUserRoles(p.id, p.userId, pagingOf(request, "optional", query)),
          optionallyPaginated
        )
      })
      .handle("replaceOrganizationUserRoles", ({ params, payload, request }) => {
        const p = paramsOf(request, params)
        return respond(store.replaceOrganizationUserRoles(p.id, p.userId, payload), () => undefined)
      })
      .handle("assignOrganizationRolesToUser", ({ params, payload, request }) => {
        const p = paramsOf(request, params)
        return respond(store.assignOrganizationRolesToUser(p.id, p.userId, payload), (organizationRoleIds) => ({
          organizationRoleIds
        }))
      })
      .handle("deleteOrganizationUserRole", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationUserRole(p.id, p.userId, p.organizationRoleId), () => undefined)
      })
      .handle("listOrganizationUserScopes", ({ params, request }) => {
        const p = paramsOf(request, params)
        return store.listOrganizationUserScopes(p.id, p.userId)
      })
  })
)
