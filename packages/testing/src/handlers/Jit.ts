/**
 * The `jit` group: just-in-time email domains, default roles and SSO connectors.
 *
 * @since 0.1.0
 */
import { OrganizationsApi } from "@orgkit/core"
import * as Effect from "effect/Effect"
import { HttpApiBuilder } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"
import { created, optionallyPaginated, pagingOf, paramsOf, respond } from "../internal/respond.ts"

/**
 * The handlers of the `jit` group, backed by `FakeStore`.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = HttpApiBuilder.group(OrganizationsApi.OrganizationsApi, "jit", (handlers) =>
  Effect.gen(function* () {
    const store = yield* FakeStore
    return handlers
      .handle("listOrganizationJitEmailDomains", ({ params, query, request }) =>
        respond(
          store.listOrganizationJitEmailDomains(paramsOf(request, params).id, pagingOf(request, "optional", query)),
          optionallyPaginated
        )
      )
      .handle("createOrganizationJitEmailDomain", ({ params, payload, request }) =>
        respond(store.createOrganizationJitEmailDomain(paramsOf(request, params).id, payload.emailDomain), (d) => d)
      )
      .handle("replaceOrganizationJitEmailDomains", ({ params, payload, request }) =>
        respond(
          store.replaceOrganizationJitEmailDomains(paramsOf(request, params).id, payload.emailDomains),
          () => undefined
        )
      )
      .handle("deleteOrganizationJitEmailDomain", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationJitEmailDomain(p.id, p.emailDomain), () => undefined)
      })
      .handle("listOrganizationJitRoles", ({ params, query, request }) =>
        respond(
          store.listOrganizationJitRoles(paramsOf(request, params).id, pagingOf(request, "optional", query)),
          optionallyPaginated
        )
      )
      .handle("createOrganizationJitRole", ({ params, payload, request }) =>
        respond(store.createOrganizationJitRole(paramsOf(request, params).id, payload.organizationRoleIds), created)
      )
      .handle("replaceOrganizationJitRoles", ({ params, payload, request }) =>
        respond(
          store.replaceOrganizationJitRoles(paramsOf(request, params).id, payload.organizationRoleIds),
          () => undefined
        )
      )
      .handle("deleteOrganizationJitRole", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationJitRole(p.id, p.organizationRoleId), () => undefined)
      })
      .handle("listOrganizationJitSsoConnectors", ({ params, query, request }) =>
        respond(
          store.listOrganizationJitSsoConnectors(paramsOf(request, params).id, pagingOf(request, "optional", query)),
          optionallyPaginated
        )
      )
      .handle("createOrganizationJitSsoConnector", ({ params, payload, request }) =>
        respond(store.createOrganizationJitSsoConnector(paramsOf(request, params).id, payload.ssoConnectorIds), created)
      )
      .handle("replaceOrganizationJitSsoConnectors", ({ params, payload, request }) =>
        respond(
          store.replaceOrganizationJitSsoConnectors(paramsOf(request, params).id, payload.ssoConnectorIds),
          () => undefined
        )
      )
      .handle("deleteOrganizationJitSsoConnector", ({ params, request }) => {
        const p = paramsOf(request, params)
        return respond(store.deleteOrganizationJitSsoConnector(p.id, p.ssoConnectorId), () => undefined)
      })
  })
)
