/**
 * The `jit` group: just-in-time email domains, default roles and SSO connectors.
 */
import type { Jit, Role } from "@orgkit/core"
import * as E from "../errors.ts"
import {
  chars,
  checkOrgId,
  checkRows,
  type Ctx,
  fail,
  type NotFound,
  ok,
  OK,
  type Page,
  type Paging,
  type R,
  slice,
  sortedRoles,
  type Unprocessable
} from "./common.ts"

/** ListOrganizationJitEmailDomains: byte order; a stored `""` in the page is Logto's 500. */
export const listEmailDomains = (
  ctx: Ctx,
  id: string,
  paging: Paging
): R<Page<Jit.JitEmailDomain>, E.InternalError> => {
  const org = ctx.state.orgs.get(id)
  const page = slice(org === undefined ? [] : org.domains.values(), paging)
  if (page.items.includes("")) return fail(E.internal())
  return ok({
    total: page.total,
    items: page.items.map((emailDomain) => ({ tenantId: ctx.tenantId, organizationId: id, emailDomain }))
  })
}

/** CreateOrganizationJitEmailDomain: verbatim; not idempotent; 128 characters at most. */
export const createEmailDomain = (ctx: Ctx, id: string, emailDomain: string): R<Jit.JitEmailDomain, Unprocessable> => {
  if (chars(emailDomain) > 128) return fail(E.tooLong(128))
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return fail(tooLong.failure)
  const org = ctx.state.orgs.get(id)
  if (org === undefined) return fail(E.foreignKey())
  if (!org.domains.add(emailDomain)) return fail(E.unique())
  return ok({ tenantId: ctx.tenantId, organizationId: id, emailDomain })
}

/** ReplaceOrganizationJitEmailDomains: verbatim, `""` included; a repeated domain is 422. */
export const replaceEmailDomains = (ctx: Ctx, id: string, domains: ReadonlyArray<string>): R<void, Unprocessable> => {
  const org = ctx.state.orgs.get(id)
  if (domains.length > 0) {
    const tooLong = checkOrgId(id)
    if (tooLong._tag === "Failure") return tooLong
    if (domains.some((d) => chars(d) > 128)) return fail(E.tooLong(128))
    const rows = checkRows(
      domains,
      () => org !== undefined,
      () => false
    )
    if (rows._tag === "Failure") return rows
  }
  if (org === undefined) return OK
  org.domains.clear()
  for (const domain of domains) org.domains.add(domain)
  return OK
}

/** DeleteOrganizationJitEmailDomain: exact, case-sensitive match. */
export const removeEmailDomain = (ctx: Ctx, id: string, emailDomain: string): R<void, NotFound> => {
  const org = ctx.state.orgs.get(id)
  return org !== undefined && org.domains.delete(emailDomain) ? OK : fail(E.notFound())
}

/** ListOrganizationJitRoles: 404 for an unknown organization; role-id order. */
export const listRoles = (ctx: Ctx, id: string, paging: Paging): R<Page<Role.OrganizationRole>, NotFound> => {
  const org = ctx.state.orgs.get(id)
  if (org === undefined) return fail(E.notExistsWithId(id))
  return ok(slice(sortedRoles(ctx, org.jitRoles.values()), paging))
}

/** CreateOrganizationJitRole: any role type; idempotent. */
export const createRoles = (ctx: Ctx, id: string, roleIds: ReadonlyArray<string>): R<void, Unprocessable> => {
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return tooLong
  const org = ctx.state.orgs.get(id)
  if (org === undefined || roleIds.some((r) => !ctx.state.roles.has(r))) return fail(E.foreignKey())
  for (const roleId of roleIds) ctx.state.addJitRole(org, roleId)
  return OK
}

/** ReplaceOrganizationJitRoles: no deduplication (a repeated id is 422). */
export const replaceRoles = (ctx: Ctx, id: string, roleIds: ReadonlyArray<string>): R<void, Unprocessable> => {
  const org = ctx.state.orgs.get(id)
  if (roleIds.length > 0) {
    const tooLong = checkOrgId(id)
    if (tooLong._tag === "Failure") return tooLong
    const rows = checkRows(
      roleIds,
      (r) => org !== undefined && ctx.state.roles.has(r),
      () => false
    )
    if (rows._tag === "Failure") return rows
  }
  if (org === undefined) return OK
  org.jitRoles.clear()
  for (const roleId of roleIds) ctx.state.addJitRole(org, roleId)
  return OK
}

/** DeleteOrganizationJitRole: 404 when absent. */
export const removeRole = (ctx: Ctx, id: string, roleId: string): R<void, NotFound> => {
  const org = ctx.state.orgs.get(id)
  return org !== undefined && org.jitRoles.delete(roleId) ? OK : fail(E.notFound())
}

/** ListOrganizationJitSsoConnectors: 404 for an unknown organization; full rows, `config` included. */
export const listSsoConnectors = (ctx: Ctx, id: string, paging: Paging): R<Page<Jit.SsoConnector>, NotFound> => {
  const org = ctx.state.orgs.get(id)
  if (org === undefined) return fail(E.notExistsWithId(id))
  const rows = org.jitConnectors.values().flatMap((c) => {
    const row = ctx.state.connectors.get(c)
    return row === undefined ? [] : [row]
  })
  return ok(slice(rows, paging))
}

/** CreateOrganizationJitSsoConnector: idempotent. */
export const createSsoConnectors = (
  ctx: Ctx,
  id: string,
  connectorIds: ReadonlyArray<string>
): R<void, Unprocessable> => {
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return tooLong
  const org = ctx.state.orgs.get(id)
  if (org === undefined || connectorIds.some((c) => !ctx.state.connectors.has(c))) return fail(E.foreignKey())
  for (const connectorId of connectorIds) ctx.state.addJitConnector(org, connectorId)
  return OK
}

/** ReplaceOrganizationJitSsoConnectors: no deduplication (a repeated id is 422). */
export const replaceSsoConnectors = (
  ctx: Ctx,
  id: string,
  connectorIds: ReadonlyArray<string>
): R<void, Unprocessable> => {
  const org = ctx.state.orgs.get(id)
  if (connectorIds.length > 0) {
    const tooLong = checkOrgId(id)
    if (tooLong._tag === "Failure") return tooLong
    const rows = checkRows(
      connectorIds,
      (c) => org !== undefined && ctx.state.connectors.has(c),
      () => false
    )
    if (rows._tag === "Failure") return rows
  }
  if (org === undefined) return OK
  ctx.state.clearJitConnectors(org)
  for (const connectorId of connectorIds) ctx.state.addJitConnector(org, connectorId)
  return OK
}

/** DeleteOrganizationJitSsoConnector: 404 when absent. */
export const removeSsoConnector = (ctx: Ctx, id: string, connectorId: string): R<void, NotFound> => {
  const org = ctx.state.orgs.get(id)
  return org !== undefined && ctx.state.removeJitConnector(org, connectorId) ? OK : fail(E.notFound())
}
