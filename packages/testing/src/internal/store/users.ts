/**
 * The `users` group: user members, their roles (by id or by name) and their scopes.
 */
import type { LogtoError, Member, Role } from "@orgkit/core"
import * as E from "../errors.ts"
import { sortKeys } from "../sorted.ts"
import type { OrgState } from "../state.ts"
import {
  checkOrgId,
  type Ctx,
  fail,
  type NotFound,
  ok,
  OK,
  type Page,
  type Paging,
  type R,
  type Unprocessable,
  wrongType
} from "./common.ts"
import * as Members from "./members.ts"

/** The user-role PUT and POST body. */
export interface RolesInput {
  readonly organizationRoleIds?: ReadonlyArray<string> | undefined
  readonly organizationRoleNames?: ReadonlyArray<string> | undefined
}

const kind = Members.user

/** ListOrganizationUsers: by user id; `q` and `organizationRoleId` combined; `[]` for an unknown organization. */
export const list = (
  ctx: Ctx,
  id: string,
  query: { readonly q?: string | undefined; readonly organizationRoleId?: string | undefined },
  paging: Paging
): Page<Member.OrganizationUser> => {
  const roleId = query.organizationRoleId
  return Members.list(
    ctx,
    kind,
    id,
    {
      q: query.q,
      fields: (userId) => {
        const u = ctx.state.users.get(userId)!
        return [u.id, u.primaryEmail, u.primaryPhone, u.username, u.name]
      },
      keep: roleId === undefined ? undefined : (org, userId) => org.userRoles.get(userId)?.has(roleId) === true
    },
    paging,
    (userId, organizationRoles) => ({ ...ctx.state.users.get(userId)!, organizationRoles })
  )
}

const checkQuota = (ctx: Ctx, org: OrgState | undefined, newMembers: number): R<void, LogtoError.Forbidden> => {
  const limit = ctx.quotas.usersPerOrganization
  if (limit === undefined || newMembers <= 0) return OK
  return (org?.users.size ?? 0) + newMembers > limit ? fail(E.limitExceeded()) : OK
}

/** AddOrganizationUsers: idempotent; echoes the ids as sent. */
export const add = (
  ctx: Ctx,
  id: string,
  userIds: ReadonlyArray<string>
): R<ReadonlyArray<string>, Unprocessable | LogtoError.Forbidden> => {
  const org = ctx.state.orgs.get(id)
  const quota = checkQuota(ctx, org, new Set(userIds.filter((u) => org?.users.has(u) !== true)).size)
  if (quota._tag === "Failure") return fail(quota.failure)
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return fail(tooLong.failure)
  if (org === undefined || userIds.some((u) => !ctx.state.users.has(u))) return fail(E.foreignKey())
  for (const userId of userIds) ctx.state.addUser(org, userId)
  return ok(userIds)
}

/** ReplaceOrganizationUsers: a delta; members that stay keep their roles. */
export const replace = (
  ctx: Ctx,
  id: string,
  userIds: ReadonlyArray<string>
): R<void, Unprocessable | LogtoError.Forbidden> => {
  const wanted = new Set(userIds)
  const org = ctx.state.orgs.get(id)
  const quota = checkQuota(ctx, org, wanted.size - (org?.users.size ?? 0))
  if (quota._tag === "Failure") return fail(quota.failure)
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return fail(tooLong.failure)
  if (wanted.size > 0 && (org === undefined || [...wanted].some((u) => !ctx.state.users.has(u))))
    return fail(E.foreignKey())
  if (org !== undefined) Members.replace(ctx, kind, org, wanted)
  return OK
}

/** DeleteOrganizationUser: the member's roles here go too. */
export const remove = (ctx: Ctx, id: string, userId: string): R<void, NotFound> => Members.remove(ctx, kind, id, userId)

/** AssignOrganizationRolesToUsers: every role to every user; no membership pre-check. */
export const assignToMany = (
  ctx: Ctx,
  id: string,
  userIds: ReadonlyArray<string>,
  roleIds: ReadonlyArray<string>
): R<void, Unprocessable> => Members.assignToMany(ctx, kind, id, userIds, roleIds)

/** The membership check of the per-member role routes (`/{id}/users/{userId}/roles…`). */
export const checkMembership = (ctx: Ctx, id: string, userId: string): R<void, Unprocessable> => {
  const org = Members.member(ctx, kind, id, userId)
  return org._tag === "Failure" ? fail(org.failure) : OK
}

/** ListOrganizationUserRoles: membership first; role-id order. */
export const listRoles = (
  ctx: Ctx,
  id: string,
  userId: string,
  paging: Paging
): R<Page<Role.OrganizationRole>, Unprocessable> => Members.listRoles(ctx, kind, id, userId, paging)

/**
 * Resolves the role ids and names of the user-role PUT and POST: unknown names first (422,
 * in request order), then the type check (an M2M role), then unknown ids.
 */
const resolveRoles = (ctx: Ctx, input: RolesInput): R<Array<string>, Unprocessable> => {
  const s = ctx.state
  const names = input.organizationRoleNames ?? []
  const unknown = names.filter((n) => !s.roleByName.has(n))
  if (unknown.length > 0) return fail(E.roleNamesNotFound(unknown))
  const resolved = [...new Set(names)]
    .map((n) => s.roles.get(s.roleByName.get(n)!)!)
    .sort((a, b) => a.seq - b.seq)
    .map((r) => r.id)
  const target = [...new Set([...(input.organizationRoleIds ?? []), ...resolved])]
  if (target.some((r) => wrongType(ctx, r, "User"))) return fail(E.constraint())
  if (target.some((r) => !s.roles.has(r))) return fail(E.foreignKey())
  return ok(target)
}

/** ReplaceOrganizationUserRoles: ids ∪ names replace the member's roles. */
export const replaceRoles = (ctx: Ctx, id: string, userId: string, input: RolesInput): R<void, Unprocessable> => {
  const org = Members.member(ctx, kind, id, userId)
  if (org._tag === "Failure") return fail(org.failure)
  const target = resolveRoles(ctx, input)
  if (target._tag === "Failure") return fail(target.failure)
  ctx.state.setUserRoles(org.success, userId, target.success)
  return OK
}

/** AssignOrganizationRolesToUser: adds roles; answers the deduplicated ids, given ids first. */
export const assignRoles = (
  ctx: Ctx,
  id: string,
  userId: string,
  input: RolesInput
): R<ReadonlyArray<string>, Unprocessable> => {
  const org = Members.member(ctx, kind, id, userId)
  if (org._tag === "Failure") return fail(org.failure)
  const target = resolveRoles(ctx, input)
  if (target._tag === "Failure") return fail(target.failure)
  for (const roleId of target.success) ctx.state.addUserRole(org.success, userId, roleId)
  return target
}

/** DeleteOrganizationUserRole: membership first, then 404 when the role is not assigned. */
export const removeRole = (ctx: Ctx, id: string, userId: string, roleId: string): R<void, Unprocessable | NotFound> =>
  Members.removeRole(ctx, kind, id, userId, roleId)

/** ListOrganizationUserScopes: the scopes of the member's roles here, by scope id; `[]` otherwise. */
export const listScopes = (ctx: Ctx, id: string, userId: string): ReadonlyArray<Role.OrganizationScope> => {
  const roles = ctx.state.orgs.get(id)?.userRoles.get(userId)
  if (roles === undefined) return []
  const scopeIds = new Set<string>()
  for (const roleId of roles) for (const scopeId of ctx.state.roleScopes.get(roleId) ?? []) scopeIds.add(scopeId)
  return sortKeys(scopeIds).flatMap((scopeId) => {
    const scope = ctx.state.scopes.get(scopeId)
    return scope === undefined ? [] : [scope]
  })
}
