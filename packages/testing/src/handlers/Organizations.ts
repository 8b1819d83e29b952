/**
 * The `organizations` group: list, create, get, update, delete.
 *
 * @since 0.1.0
 */
import { OrganizationsApi } from "@orgkit/core"
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { paginated, pagingOf, paramsOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `organizations` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(OrganizationsApi.OrganizationsApi, "organizations", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizations", ({ query, request }) =>
        respond(store.listOrganizations(query, pagingOf(request, "mandatory", query)), paginated)
      )
      .handle("createOrganization", ({ payload }) => respond(store.createOrganization(payload), (org) => org))
      .handle("getOrganization", ({ params, request }) =>
        respond(store.getOrganization(paramsOf(request, params).id), (org) => org)
      )
      .handle("updateOrganization", ({ params, payload, request }) =>
        respond(store.updateOrganization(paramsOf(request, params).id, payload), (org) => org)
      )
      .handle("deleteOrganization", ({ params, request }) =>
        respond(store.deleteOrganization(paramsOf(request, params).id), () => undefined)
      )
  })
)
