/**
 * The `users` group: user members, their roles and their scopes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { FakeApi } from "../internal/api.ts"
import { created, optionallyPaginated, paginated, pagingOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `users` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(FakeApi, "users", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationUsers", ({ params, query, request }) =>
        respond(store.listOrganizationUsers(params.id, query, pagingOf(request, "mandatory")), paginated)
      )
      .handle("addOrganizationUsers", ({ params, payload }) =>
        respond(store.addOrganizationUsers(params.id, payload.userIds), (userIds) => ({ userIds }))
      )
      .handle("replaceOrganizationUsers", ({ params, payload }) =>
        respond(store.replaceOrganizationUsers(params.id, payload.userIds), () => undefined)
      )
      .handle("deleteOrganizationUser", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationUser(p.id, p.userId), () => undefined)
      })
      .handle("assignOrganizationRolesToUsers", ({ params, payload }) =>
        respond(store.assignOrganizationRolesToUsers(params.id, payload.userIds, payload.organizationRoleIds), created)
      )
      .handle("listOrganizationUserRoles", ({ params, request }) => {
        const p = params
        return respond(
          store.listOrganizationUserRoles(p.id, p.userId, pagingOf(request, "optional")),
          optionallyPaginated
        )
      })
      .handle("replaceOrganizationUserRoles", ({ params, payload }) => {
        const p = params
        return respond(store.replaceOrganizationUserRoles(p.id, p.userId, payload), () => undefined)
      })
      .handle("assignOrganizationRolesToUser", ({ params, payload }) => {
        const p = params
        return respond(store.assignOrganizationRolesToUser(p.id, p.userId, payload), (organizationRoleIds) => ({
          organizationRoleIds
        }))
      })
      .handle("deleteOrganizationUserRole", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationUserRole(p.id, p.userId, p.organizationRoleId), () => undefined)
      })
      .handle("listOrganizationUserScopes", ({ params }) => {
        const p = params
        return store.listOrganizationUserScopes(p.id, p.userId)
      })
  })
)
