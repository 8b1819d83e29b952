/**
 * The `organizations` group: list, create, get, update, delete.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { FakeApi } from "../internal/api.ts"
import { paginated, pagingOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `organizations` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(FakeApi, "organizations", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizations", ({ query, request }) =>
        respond(store.listOrganizations(query, pagingOf(request, "mandatory")), paginated)
      )
      .handle("createOrganization", ({ payload }) => respond(store.createOrganization(payload), (org) => org))
      .handle("getOrganization", ({ params }) => respond(store.getOrganization(params.id), (org) => org))
      .handle("updateOrganization", ({ params, payload }) =>
        respond(store.updateOrganization(params.id, payload), (org) => org)
      )
      .handle("deleteOrganization", ({ params }) => respond(store.deleteOrganization(params.id), () => undefined))
  })
)
