/**
 * The `applications` group: machine-to-machine members and their roles.
 */
import type { Member, Role } from "@orgkit/core"
import * as E from "../errors.ts"
import * as Rows from "../rows.ts"
import {
  checkOrgId,
  checkRows,
  type Ctx,
  fail,
  type NotFound,
  OK,
  type Page,
  type Paging,
  type R,
  type Unprocessable,
  wrongType
} from "./common.ts"
import * as Members from "./members.ts"

const kind = Members.application

/** ListOrganizationApplications: by application id; `q` over id, name, description. */
export const list = (
  ctx: Ctx,
  id: string,
  query: { readonly q?: string | undefined },
  paging: Paging
): Page<Member.OrganizationApplication> =>
  Members.list(
    ctx,
    kind,
    id,
    {
      q: query.q,
      fields: (appId) => {
        const a = ctx.state.apps.get(appId)!
        return [a.id, a.name, a.description]
      }
    },
    paging,
    (appId, organizationRoles) => ({ ...Rows.applicationView(ctx.state.apps.get(appId)!), organizationRoles })
  )

/** True when one of the applications exists and is not machine-to-machine. */
const typeViolated = (ctx: Ctx, appIds: Iterable<string>): boolean => {
  for (const appId of appIds) {
    const app = ctx.state.apps.get(appId)
    if (app !== undefined && app.type !== "MachineToMachine") return true
  }
  return false
}

/** AddOrganizationApplications: machine-to-machine applications only; idempotent. */
export const add = (ctx: Ctx, id: string, appIds: ReadonlyArray<string>): R<void, Unprocessable> => {
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return tooLong
  if (typeViolated(ctx, appIds)) return fail(E.constraint())
  const org = ctx.state.orgs.get(id)
  if (org === undefined || appIds.some((a) => !ctx.state.apps.has(a))) return fail(E.foreignKey())
  for (const appId of appIds) ctx.state.addApp(org, appId)
  return OK
}

/** ReplaceOrganizationApplications: a delta; applications that stay keep their roles. */
export const replace = (ctx: Ctx, id: string, appIds: ReadonlyArray<string>): R<void, Unprocessable> => {
  const wanted = new Set(appIds)
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return tooLong
  if (typeViolated(ctx, wanted)) return fail(E.constraint())
  const org = ctx.state.orgs.get(id)
  if (wanted.size > 0 && (org === undefined || [...wanted].some((a) => !ctx.state.apps.has(a))))
    return fail(E.foreignKey())
  if (org !== undefined) Members.replace(ctx, kind, org, wanted)
  return OK
}

/** DeleteOrganizationApplication: its roles here go too. */
export const remove = (ctx: Ctx, id: string, appId: string): R<void, NotFound> => Members.remove(ctx, kind, id, appId)

/** AssignOrganizationRolesToApplications: every M2M role to every member application. */
export const assignToMany = (
  ctx: Ctx,
  id: string,
  appIds: ReadonlyArray<string>,
  roleIds: ReadonlyArray<string>
): R<void, Unprocessable> => Members.assignToMany(ctx, kind, id, appIds, roleIds)

/** The membership check of `/{id}/applications/{applicationId}/roles…`. */
export const checkMembership = (ctx: Ctx, id: string, appId: string): R<void, Unprocessable> => {
  const org = Members.member(ctx, kind, id, appId)
  return org._tag === "Failure" ? fail(org.failure) : OK
}

/** ListOrganizationApplicationRoles: membership first; role-id order. */
export const listRoles = (
  ctx: Ctx,
  id: string,
  appId: string,
  paging: Paging
): R<Page<Role.OrganizationRole>, Unprocessable> => Members.listRoles(ctx, kind, id, appId, paging)

/** ReplaceOrganizationApplicationRoles: no deduplication (a repeated id is 422). */
export const replaceRoles = (
  ctx: Ctx,
  id: string,
  appId: string,
  roleIds: ReadonlyArray<string>
): R<void, Unprocessable> => {
  const org = Members.member(ctx, kind, id, appId)
  if (org._tag === "Failure") return fail(org.failure)
  const rows = checkRows(
    roleIds,
    (r) => ctx.state.roles.has(r),
    (r) => wrongType(ctx, r, "MachineToMachine")
  )
  if (rows._tag === "Failure") return rows
  ctx.state.setAppRoles(org.success, appId, roleIds)
  return OK
}

/** AssignOrganizationRolesToApplication: adds M2M roles; idempotent. */
export const assignRoles = (
  ctx: Ctx,
  id: string,
  appId: string,
  roleIds: ReadonlyArray<string>
): R<void, Unprocessable> => {
  const org = Members.member(ctx, kind, id, appId)
  if (org._tag === "Failure") return fail(org.failure)
  if (roleIds.some((r) => wrongType(ctx, r, "MachineToMachine"))) return fail(E.constraint())
  if (roleIds.some((r) => !ctx.state.roles.has(r))) return fail(E.foreignKey())
  for (const roleId of roleIds) ctx.state.addAppRole(org.success, appId, roleId)
  return OK
}

/** DeleteOrganizationApplicationRole: membership first, then 404 when not assigned. */
export const removeRole = (ctx: Ctx, id: string, appId: string, roleId: string): R<void, Unprocessable | NotFound> =>
  Members.removeRole(ctx, kind, id, appId, roleId)
