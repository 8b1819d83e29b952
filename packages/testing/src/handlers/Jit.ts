/**
 * The `jit` group: just-in-time email domains, default roles and SSO connectors.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { FakeApi } from "../internal/api.ts"
import { created, optionallyPaginated, pagingOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `jit` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(FakeApi, "jit", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationJitEmailDomains", ({ params, request }) =>
        respond(store.listOrganizationJitEmailDomains(params.id, pagingOf(request, "optional")), optionallyPaginated)
      )
      .handle("createOrganizationJitEmailDomain", ({ params, payload }) =>
        respond(store.createOrganizationJitEmailDomain(params.id, payload.emailDomain), (d) => d)
      )
      .handle("replaceOrganizationJitEmailDomains", ({ params, payload }) =>
        respond(store.replaceOrganizationJitEmailDomains(params.id, payload.emailDomains), () => undefined)
      )
      .handle("deleteOrganizationJitEmailDomain", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationJitEmailDomain(p.id, p.emailDomain), () => undefined)
      })
      .handle("listOrganizationJitRoles", ({ params, request }) =>
        respond(store.listOrganizationJitRoles(params.id, pagingOf(request, "optional")), optionallyPaginated)
      )
      .handle("createOrganizationJitRole", ({ params, payload }) =>
        respond(store.createOrganizationJitRole(params.id, payload.organizationRoleIds), created)
      )
      .handle("replaceOrganizationJitRoles", ({ params, payload }) =>
        respond(store.replaceOrganizationJitRoles(params.id, payload.organizationRoleIds), () => undefined)
      )
      .handle("deleteOrganizationJitRole", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationJitRole(p.id, p.organizationRoleId), () => undefined)
      })
      .handle("listOrganizationJitSsoConnectors", ({ params, request }) =>
        respond(store.listOrganizationJitSsoConnectors(params.id, pagingOf(request, "optional")), optionallyPaginated)
      )
      .handle("createOrganizationJitSsoConnector", ({ params, payload }) =>
        respond(store.createOrganizationJitSsoConnector(params.id, payload.ssoConnectorIds), created)
      )
      .handle("replaceOrganizationJitSsoConnectors", ({ params, payload }) =>
        respond(store.replaceOrganizationJitSsoConnectors(params.id, payload.ssoConnectorIds), () => undefined)
      )
      .handle("deleteOrganizationJitSsoConnector", ({ params }) => {
        const p = params
        return respond(store.deleteOrganizationJitSsoConnector(p.id, p.ssoConnectorId), () => undefined)
      })
  })
)
