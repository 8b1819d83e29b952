/**
 * The rules users and applications share as members of an organization: listing with their roles,
 * the membership check of the per-member role routes, the member role lists and deletes, the
 * delta of a replace, and assigning roles to many members at once. A `Kind` says which tables and
 * which role type a member uses.
 */
import type { Role } from "@orgkit/core"
import * as E from "../errors.ts"
import { compile, matchesAny } from "../like.ts"
import { compareKeys, type SortedSet } from "../sorted.ts"
import type { OrgState, State } from "../state.ts"
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
  slice,
  sortedRoles,
  type Unprocessable,
  wrongType
} from "./common.ts"

/** Where one kind of member lives. */
export interface Kind {
  /** The role type its roles must have. */
  readonly roleType: Role.RoleType
  readonly members: (org: OrgState) => SortedSet
  readonly roles: (org: OrgState) => Map<string, Set<string>>
  readonly exists: (state: State, id: string) => boolean
  readonly add: (state: State, org: OrgState, id: string) => boolean
  readonly remove: (state: State, org: OrgState, id: string) => boolean
  readonly addRole: (state: State, org: OrgState, id: string, roleId: string) => void
  readonly setRoles: (state: State, org: OrgState, id: string, roleIds: Iterable<string>) => void
  readonly removeRole: (state: State, org: OrgState, id: string, roleId: string) => boolean
}

/** User members. */
export const user: Kind = {
  roleType: "User",
  members: (org) => org.users,
  roles: (org) => org.userRoles,
  exists: (state, id) => state.users.has(id),
  add: (state, org, id) => state.addUser(org, id),
  remove: (state, org, id) => state.removeUser(org, id),
  addRole: (state, org, id, roleId) => state.addUserRole(org, id, roleId),
  setRoles: (state, org, id, roleIds) => state.setUserRoles(org, id, roleIds),
  removeRole: (state, org, id, roleId) => state.removeUserRole(org, id, roleId)
}

/** Application members (machine-to-machine only). */
export const application: Kind = {
  roleType: "MachineToMachine",
  members: (org) => org.apps,
  roles: (org) => org.appRoles,
  exists: (state, id) => state.apps.has(id),
  add: (state, org, id) => state.addApp(org, id),
  remove: (state, org, id) => state.removeApp(org, id),
  addRole: (state, org, id, roleId) => state.addAppRole(org, id, roleId),
  setRoles: (state, org, id, roleIds) => state.setAppRoles(org, id, roleIds),
  removeRole: (state, org, id, roleId) => state.removeAppRole(org, id, roleId)
}

/** A member's roles as `{ id, name }`, by role name. */
export const roleRefs = (ctx: Ctx, roleIds: ReadonlySet<string> | undefined): Array<Role.OrganizationRoleRef> => {
  if (roleIds === undefined || roleIds.size === 0) return []
  const refs: Array<Role.OrganizationRoleRef> = []
  for (const roleId of roleIds) {
    const role = ctx.state.roles.get(roleId)
    if (role !== undefined) refs.push({ id: role.id, name: role.name })
  }
  return refs.sort((a, b) => compareKeys(a.name, b.name))
}

/**
 * A page of an organization's members in id order, each with its roles there; `q` matches any of
 * `fields`; `keep` filters further; an unknown organization has none.
 */
export const list = <A>(
  ctx: Ctx,
  kind: Kind,
  id: string,
  query: {
    readonly q?: string | undefined
    readonly fields: (memberId: string) => ReadonlyArray<string | null | undefined>
    readonly keep?: ((org: OrgState, memberId: string) => boolean) | undefined
  },
  paging: Paging,
  view: (memberId: string, roles: Array<Role.OrganizationRoleRef>) => A
): Page<A> => {
  const org = ctx.state.orgs.get(id)
  if (org === undefined) return slice([], paging)
  let ids = kind.members(org).values()
  const keep = query.keep
  if (keep !== undefined) ids = ids.filter((memberId) => keep(org, memberId))
  if (query.q !== undefined && query.q !== "") {
    const re = compile(query.q)
    ids = ids.filter((memberId) => matchesAny(re, query.fields(memberId)))
  }
  const page = slice(ids, paging)
  const roles = kind.roles(org)
  return { total: page.total, items: page.items.map((m) => view(m, roleRefs(ctx, roles.get(m)))) }
}

/** The organization when `memberId` is a member of it: 422 `organization.require_membership` otherwise. */
export const member = (ctx: Ctx, kind: Kind, id: string, memberId: string): R<OrgState, Unprocessable> => {
  const org = ctx.state.orgs.get(id)
  return org !== undefined && kind.members(org).has(memberId) ? ok(org) : fail(E.requireMembership())
}

/** Makes the members exactly `wanted` (already checked): the ones that stay keep their roles. */
export const replace = (ctx: Ctx, kind: Kind, org: OrgState, wanted: ReadonlySet<string>): void => {
  // Copy: removing members mutates the list being walked.
  for (const memberId of Array.from(kind.members(org).values()))
    if (!wanted.has(memberId)) kind.remove(ctx.state, org, memberId)
  for (const memberId of wanted) kind.add(ctx.state, org, memberId)
}

/** Removes a member and its roles there: 404 when it is not one. */
export const remove = (ctx: Ctx, kind: Kind, id: string, memberId: string): R<void, NotFound> => {
  const org = ctx.state.orgs.get(id)
  return org !== undefined && kind.remove(ctx.state, org, memberId) ? OK : fail(E.notFound())
}

/** Every role to every member: role types first, then unknown organization, roles or non-members. */
export const assignToMany = (
  ctx: Ctx,
  kind: Kind,
  id: string,
  memberIds: ReadonlyArray<string>,
  roleIds: ReadonlyArray<string>
): R<void, Unprocessable> => {
  const tooLong = checkOrgId(id)
  if (tooLong._tag === "Failure") return fail(tooLong.failure)
  if (roleIds.some((r) => wrongType(ctx, r, kind.roleType))) return fail(E.constraint())
  const org = ctx.state.orgs.get(id)
  if (
    org === undefined ||
    roleIds.some((r) => !ctx.state.roles.has(r)) ||
    memberIds.some((m) => !kind.members(org).has(m))
  )
    return fail(E.foreignKey())
  for (const memberId of memberIds) for (const roleId of roleIds) kind.addRole(ctx.state, org, memberId, roleId)
  return OK
}

/** A member's roles here, in role-id order: membership first. */
export const listRoles = (
  ctx: Ctx,
  kind: Kind,
  id: string,
  memberId: string,
  paging: Paging
): R<Page<Role.OrganizationRole>, Unprocessable> => {
  const org = member(ctx, kind, id, memberId)
  if (org._tag === "Failure") return fail(org.failure)
  return ok(slice(sortedRoles(ctx, kind.roles(org.success).get(memberId) ?? []), paging))
}

/** Removes one of a member's roles: membership first, then 404 when it is not assigned. */
export const removeRole = (
  ctx: Ctx,
  kind: Kind,
  id: string,
  memberId: string,
  roleId: string
): R<void, Unprocessable | NotFound> => {
  const org = member(ctx, kind, id, memberId)
  if (org._tag === "Failure") return fail(org.failure)
  return kind.removeRole(ctx.state, org.success, memberId, roleId) ? OK : fail(E.notFound())
}
