/**
 * The fake's in-memory state and the semantics of the 36 operations: Logto's statuses and error
 * codes, their precedence, replace and idempotency rules, role and application type rules,
 * scope computation and cascades. Usable without Effect (`new Store(options)`) and as the
 * `FakeStore` service for the HttpApi handlers.
 *
 * Every write validates everything first and then mutates, so a failed write changes nothing.
 *
 * @since 0.1.0
 */
import type { Jit, LogtoError, Member, Organization, Role } from "@orgkit/core"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as E from "./internal/errors.ts"
import { compile, matchesAny } from "./internal/like.ts"
import { type Rng, randomString, secure, seeded } from "./internal/random.ts"
import * as Rows from "./internal/rows.ts"
import * as Seeding from "./internal/seeding.ts"
import { compareKeys, sortKeys } from "./internal/sorted.ts"
import { type OrgState, State } from "./internal/state.ts"
import type * as Seed from "./Seed.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface StoreOptions {
  /** The tenant id shown on organizations, roles, scopes, applications (default `default`). */
  readonly tenantId?: string | undefined
  /** The clock for timestamps, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** Makes generated ids deterministic. */
  readonly idSeed?: number | undefined
  /** Logto Cloud's plan quotas (403 `subscription.limit_exceeded`); off unless set. */
  readonly quotas?: Quotas | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export interface Quotas {
  readonly organizations?: number | undefined
  readonly usersPerOrganization?: number | undefined
}

/**
 * Pagination as the handlers pass it: off (everything) or an offset and a page size.
 *
 * @category models
 * @since 0.1.0
 */
export type Paging =
  | { readonly _tag: "Off" }
  | { readonly _tag: "Page"; readonly offset: number; readonly pageSize: number }

/**
 * A page of a list and, when pagination was on, the total number of matches.
 *
 * @category models
 * @since 0.1.0
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number | undefined
}

/**
 * Counts of everything the store holds.
 *
 * @category models
 * @since 0.1.0
 */
export interface Counts {
  readonly organizations: number
  readonly users: number
  readonly applications: number
  readonly organizationRoles: number
  readonly organizationScopes: number
  readonly ssoConnectors: number
  readonly userMemberships: number
  readonly applicationMemberships: number
}

type R<A, E = never> = Result.Result<A, E>
type Unprocessable = LogtoError.UnprocessableEntity
type NotFound = LogtoError.NotFound

const ok = Result.succeed
const fail = Result.fail
const OK: R<void> = ok(undefined)

/** PostgreSQL counts characters (code points) for `varchar(n)`. */
const chars = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

const dedupe = (values: ReadonlyArray<string>): Array<string> => [...new Set(values)]

const truthy = new Set(["1", "true", "y", "yes", "yep", "yeah"])

/** PostgreSQL's `timestamptz` range, in epoch milliseconds: 4714-11-24 BC to the end of 294276 AD. */
const minTimestamp = -210_866_803_200_000
const endTimestamp = 9_224_318_016_000_000

const slice = <A>(all: ReadonlyArray<A>, paging: Paging): Page<A> =>
  paging._tag === "Off"
    ? { items: all, total: undefined }
    : { items: all.slice(paging.offset, paging.offset + paging.pageSize), total: all.length }

/**
 * The fake's state and operations, without Effect. Methods return a `Result` whose failure is
 * core's `LogtoError` class Logto would answer with (or Logto's bodiless 500).
 *
 * @category constructors
 * @since 0.1.0
 */
export class Store {
  readonly tenantId: string
  readonly now: () => number
  private readonly rng: Rng
  private readonly quotas: Quotas
  private state: State

  constructor(options: StoreOptions = {}) {
    this.tenantId = options.tenantId ?? "default"
    this.now = options.now ?? Date.now
    this.rng = options.idSeed === undefined ? secure : seeded(options.idSeed)
    this.quotas = options.quotas ?? {}
    this.state = new State(this.tenantId)
  }

  /** Empties the store. */
  reset(): void {
    this.state = new State(this.tenantId)
  }

  /** A fresh id of Logto's length and alphabet, unused in `table`. */
  newId(length: number, table: ReadonlyMap<string, unknown>): string {
    for (;;) {
      const id = randomString(this.rng, length)
      if (!table.has(id)) return id
    }
  }

  /** Counts of everything held. */
  counts(): Counts {
    let userMemberships = 0
    let applicationMemberships = 0
    for (const org of this.state.orgs.values()) {
      userMemberships += org.users.size
      applicationMemberships += org.apps.size
    }
    const s = this.state
    return {
      organizations: s.orgs.size,
      users: s.users.size,
      applications: s.apps.size,
      organizationRoles: s.roles.size,
      organizationScopes: s.scopes.size,
      ssoConnectors: s.connectors.size,
      userMemberships,
      applicationMemberships
    }
  }

  // ---------------------------------------------------------------- seeding and entities

  /** Merges a decoded seed into the state; nothing changes when it has problems. */
  seed(seed: Seed.Seed): R<Counts, ReadonlyArray<string>> {
    const problems = Seeding.apply(this.state, seed, {
      now: this.now(),
      newId: (length, table) => this.newId(length, table)
    })
    return problems.length > 0 ? fail(problems) : ok(this.counts())
  }

  /** The whole state as a seed document (ids included), e.g. to save and reload it. */
  snapshot(): Seed.Seed {
    return Seeding.snapshot(this.state)
  }

  /** Deletes a user with Logto's cascade: memberships and member roles go too. */
  deleteUser(id: string): boolean {
    return this.state.deleteUser(id)
  }

  /** Deletes an application with its memberships and roles. */
  deleteApplication(id: string): boolean {
    return this.state.deleteApplication(id)
  }

  /** Deletes an organization role with its user, application and JIT assignments. */
  deleteOrganizationRole(id: string): boolean {
    return this.state.deleteRole(id)
  }

  /** Deletes an organization scope and unlinks it from roles. */
  deleteOrganizationScope(id: string): boolean {
    return this.state.deleteScope(id)
  }

  /** Deletes an SSO connector with its JIT entries. */
  deleteSsoConnector(id: string): boolean {
    return this.state.deleteConnector(id)
  }

  /** A stored user, as ListOrganizationUsers shows it without roles. */
  getUser(id: string): Rows.UserRow | undefined {
    return this.state.users.get(id)
  }

  /** A stored application. */
  getApplication(id: string): Rows.AppRow | undefined {
    return this.state.apps.get(id)
  }

  /** A stored organization role. */
  getOrganizationRole(id: string): Role.OrganizationRole | undefined {
    const row = this.state.roles.get(id)
    return row === undefined ? undefined : Rows.roleView(row)
  }

  /** The id of the organization role with this exact name. */
  organizationRoleIdByName(name: string): string | undefined {
    return this.state.roleByName.get(name)
  }

  // ---------------------------------------------------------------- organizations

  /** ListOrganizations: key order, `q` over id and name, `showFeatured`. */
  listOrganizations(
    query: { readonly q?: string | undefined; readonly showFeatured?: string | undefined },
    paging: Paging
  ): Page<Organization.OrganizationWithFeatured> {
    const s = this.state
    let ids = s.orgIndex.values()
    if (query.q !== undefined && query.q !== "") {
      const re = compile(query.q)
      ids = ids.filter((id) => matchesAny(re, [id, s.orgs.get(id)!.row.name]))
    }
    const page = slice(ids, paging)
    const featured = query.showFeatured !== undefined && truthy.has(query.showFeatured.toLowerCase())
    return {
      total: page.total,
      items: page.items.map((id) => {
        const org = s.orgs.get(id)!
        if (!featured) return org.row
        return {
          ...org.row,
          usersCount: org.users.size,
          featuredUsers: org.users
            .values()
            .slice(0, 3)
            .map((userId) => {
              const user = s.users.get(userId)!
              return { id: user.id, avatar: user.avatar, name: user.name }
            })
        }
      })
    }
  }

  /** CreateOrganization: a new 12-character id; `tenantId` and `createdAt` ignored. */
  createOrganization(input: Organization.CreateOrganization): R<Organization.Organization, LogtoError.Forbidden> {
    const limit = this.quotas.organizations
    if (limit !== undefined && this.state.orgs.size >= limit) return fail(E.limitExceeded())
    const id = this.newId(12, this.state.orgs)
    const { tenantId: _tenantId, createdAt: _createdAt, ...fields } = input
    return ok(this.state.putOrganization(Rows.organization(fields, id, this.tenantId, this.now())).row)
  }

  /** GetOrganization: 404 `entity.not_exists_with_id`. */
  getOrganization(id: string): R<Organization.Organization, NotFound> {
    const org = this.state.orgs.get(id)
    return org === undefined ? fail(E.notExistsWithId(id)) : ok(org.row)
  }

  /**
   * UpdateOrganization: only the keys sent change, JSON fields are replaced; nothing to update is
   * 422 before the 404; a foreign `tenantId` or an out-of-range `createdAt` is Logto's 500.
   */
  updateOrganization(
    id: string,
    input: Organization.UpdateOrganization
  ): R<Organization.Organization, NotFound | Unprocessable | E.InternalError> {
    const { id: _id, ...fields } = input
    if (Object.keys(fields).length === 0) return fail(E.invalidInput())
    const org = this.state.orgs.get(id)
    if (org === undefined) return fail(E.notExists())
    if (fields.tenantId !== undefined && fields.tenantId !== this.tenantId) return fail(E.internal())
    const createdAt = fields.createdAt === undefined ? undefined : Math.trunc(fields.createdAt)
    if (createdAt !== undefined && !(createdAt >= minTimestamp && createdAt < endTimestamp)) return fail(E.internal())
    const row = org.row
    org.row = {
      ...row,
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.description === undefined ? {} : { description: Rows.nullIfEmpty(fields.description) }),
      ...(fields.customData === undefined ? {} : { customData: fields.customData }),
      ...(fields.isMfaRequired === undefined ? {} : { isMfaRequired: fields.isMfaRequired }),
      ...(fields.color === undefined ? {} : { color: fields.color }),
      ...(fields.branding === undefined ? {} : { branding: fields.branding }),
      ...(fields.customCss === undefined ? {} : { customCss: Rows.nullIfEmpty(fields.customCss) }),
      ...(createdAt === undefined ? {} : { createdAt })
    }
    return ok(org.row)
  }

  /** DeleteOrganization: cascades every relation and the JIT configuration. */
  deleteOrganization(id: string): R<void, NotFound> {
    return this.state.deleteOrganization(id) ? OK : fail(E.notFound())
  }

  // ---------------------------------------------------------------- user members

  private userView(org: OrgState, userId: string): Member.OrganizationUser {
    const user = this.state.users.get(userId)!
    return { ...user, organizationRoles: this.roleRefs(org.userRoles.get(userId)) }
  }

  private roleRefs(roleIds: ReadonlySet<string> | undefined): Array<Role.OrganizationRoleRef> {
    if (roleIds === undefined || roleIds.size === 0) return []
    const refs: Array<Role.OrganizationRoleRef> = []
    for (const roleId of roleIds) {
      const role = this.state.roles.get(roleId)
      if (role !== undefined) refs.push({ id: role.id, name: role.name })
    }
    return refs.sort((a, b) => compareKeys(a.name, b.name))
  }

  /** ListOrganizationUsers: by user id; `q` and `organizationRoleId` combined; `[]` for an unknown organization. */
  listOrganizationUsers(
    id: string,
    query: { readonly q?: string | undefined; readonly organizationRoleId?: string | undefined },
    paging: Paging
  ): Page<Member.OrganizationUser> {
    const org = this.state.orgs.get(id)
    if (org === undefined) return slice([], paging)
    let ids = org.users.values()
    const roleId = query.organizationRoleId
    if (roleId !== undefined) ids = ids.filter((userId) => org.userRoles.get(userId)?.has(roleId) === true)
    if (query.q !== undefined && query.q !== "") {
      const re = compile(query.q)
      ids = ids.filter((userId) => {
        const u = this.state.users.get(userId)!
        return matchesAny(re, [u.id, u.primaryEmail, u.primaryPhone, u.username, u.name])
      })
    }
    const page = slice(ids, paging)
    return { total: page.total, items: page.items.map((userId) => this.userView(org, userId)) }
  }

  private checkUsersQuota(org: OrgState | undefined, newMembers: number): R<void, LogtoError.Forbidden> {
    const limit = this.quotas.usersPerOrganization
    if (limit === undefined || newMembers <= 0) return OK
    return (org?.users.size ?? 0) + newMembers > limit ? fail(E.limitExceeded()) : OK
  }

  /** AddOrganizationUsers: idempotent; echoes the ids as sent. */
  addOrganizationUsers(
    id: string,
    userIds: ReadonlyArray<string>
  ): R<ReadonlyArray<string>, Unprocessable | LogtoError.Forbidden> {
    const org = this.state.orgs.get(id)
    const fresh = new Set(userIds.filter((u) => org?.users.has(u) !== true)).size
    const quota = this.checkUsersQuota(org, fresh)
    if (Result.isFailure(quota)) return fail(quota.failure)
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (org === undefined || userIds.some((u) => !this.state.users.has(u))) return fail(E.foreignKey())
    for (const userId of userIds) this.state.addUser(org, userId)
    return ok(userIds)
  }

  /** ReplaceOrganizationUsers: a delta; members that stay keep their roles. */
  replaceOrganizationUsers(id: string, userIds: ReadonlyArray<string>): R<void, Unprocessable | LogtoError.Forbidden> {
    const wanted = new Set(userIds)
    const org = this.state.orgs.get(id)
    const quota = this.checkUsersQuota(org, wanted.size - (org?.users.size ?? 0))
    if (Result.isFailure(quota)) return fail(quota.failure)
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (wanted.size > 0 && (org === undefined || [...wanted].some((u) => !this.state.users.has(u)))) {
      return fail(E.foreignKey())
    }
    if (org === undefined) return OK
    // Copy: removing members mutates the list being walked.
    for (const userId of Array.from(org.users.values())) if (!wanted.has(userId)) this.state.removeUser(org, userId)
    for (const userId of wanted) this.state.addUser(org, userId)
    return OK
  }

  /** DeleteOrganizationUser: the member's roles here go too. */
  deleteOrganizationUser(id: string, userId: string): R<void, NotFound> {
    const org = this.state.orgs.get(id)
    return org !== undefined && this.state.removeUser(org, userId) ? OK : fail(E.notFound())
  }

  /** AssignOrganizationRolesToUsers: every role to every user; no membership pre-check. */
  assignOrganizationRolesToUsers(
    id: string,
    userIds: ReadonlyArray<string>,
    roleIds: ReadonlyArray<string>
  ): R<void, Unprocessable> {
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (roleIds.some((r) => this.wrongType(r, "User"))) return fail(E.constraint())
    const org = this.state.orgs.get(id)
    if (org === undefined || roleIds.some((r) => !this.state.roles.has(r)) || userIds.some((u) => !org.users.has(u)))
      return fail(E.foreignKey())
    for (const userId of userIds) for (const roleId of roleIds) this.state.addUserRole(org, userId, roleId)
    return OK
  }

  private wrongType(roleId: string, type: Role.RoleType): boolean {
    const role = this.state.roles.get(roleId)
    return role !== undefined && role.type !== type
  }

  private userMember(id: string, userId: string): R<OrgState, Unprocessable> {
    const org = this.state.orgs.get(id)
    return org !== undefined && org.users.has(userId) ? ok(org) : fail(E.requireMembership())
  }

  /** The membership check of the per-member role routes (`/{id}/users/{userId}/roles…`). */
  checkUserMembership(id: string, userId: string): R<void, Unprocessable> {
    return Result.map(this.userMember(id, userId), () => undefined)
  }

  /** The membership check of `/{id}/applications/{applicationId}/roles…`. */
  checkApplicationMembership(id: string, applicationId: string): R<void, Unprocessable> {
    return Result.map(this.appMember(id, applicationId), () => undefined)
  }

  private sortedRoles(roleIds: Iterable<string>): Array<Role.OrganizationRole> {
    const out: Array<Role.OrganizationRole> = []
    for (const roleId of sortKeys(roleIds)) {
      const role = this.state.roles.get(roleId)
      if (role !== undefined) out.push(Rows.roleView(role))
    }
    return out
  }

  /** ListOrganizationUserRoles: membership first; role-id order. */
  listOrganizationUserRoles(id: string, userId: string, paging: Paging): R<Page<Role.OrganizationRole>, Unprocessable> {
    return Result.map(this.userMember(id, userId), (org) =>
      slice(this.sortedRoles(org.userRoles.get(userId) ?? []), paging)
    )
  }

  /**
   * Resolves the role ids and names of the user-role PUT and POST: unknown names first (422,
   * in request order), then the type check (an M2M role), then unknown ids.
   */
  private resolveUserRoles(input: Payload): R<Array<string>, Unprocessable> {
    const names = input.organizationRoleNames ?? []
    const unknown = names.filter((n) => !this.state.roleByName.has(n))
    if (unknown.length > 0) return fail(E.roleNamesNotFound(unknown))
    const wanted = new Set(names)
    const resolved = [...wanted]
      .map((n) => this.state.roles.get(this.state.roleByName.get(n)!)!)
      .sort((a, b) => a.seq - b.seq)
      .map((r) => r.id)
    const target = dedupe([...(input.organizationRoleIds ?? []), ...resolved])
    if (target.some((r) => this.wrongType(r, "User"))) return fail(E.constraint())
    if (target.some((r) => !this.state.roles.has(r))) return fail(E.foreignKey())
    return ok(target)
  }

  /** ReplaceOrganizationUserRoles: ids ∪ names replace the member's roles. */
  replaceOrganizationUserRoles(id: string, userId: string, input: Payload): R<void, Unprocessable> {
    const member = this.userMember(id, userId)
    if (Result.isFailure(member)) return fail(member.failure)
    const target = this.resolveUserRoles(input)
    if (Result.isFailure(target)) return fail(target.failure)
    this.state.setUserRoles(member.success, userId, target.success)
    return OK
  }

  /** AssignOrganizationRolesToUser: adds roles; answers the deduplicated ids, given ids first. */
  assignOrganizationRolesToUser(id: string, userId: string, input: Payload): R<ReadonlyArray<string>, Unprocessable> {
    const member = this.userMember(id, userId)
    if (Result.isFailure(member)) return fail(member.failure)
    const target = this.resolveUserRoles(input)
    if (Result.isFailure(target)) return fail(target.failure)
    for (const roleId of target.success) this.state.addUserRole(member.success, userId, roleId)
    return target
  }

  /** DeleteOrganizationUserRole: membership first, then 404 when the role is not assigned. */
  deleteOrganizationUserRole(id: string, userId: string, roleId: string): R<void, Unprocessable | NotFound> {
    const member = this.userMember(id, userId)
    if (Result.isFailure(member)) return fail(member.failure)
    return this.state.removeUserRole(member.success, userId, roleId) ? OK : fail(E.notFound())
  }

  /** ListOrganizationUserScopes: the scopes of the member's roles here, by scope id; `[]` otherwise. */
  listOrganizationUserScopes(id: string, userId: string): ReadonlyArray<Role.OrganizationScope> {
    const roles = this.state.orgs.get(id)?.userRoles.get(userId)
    if (roles === undefined) return []
    const scopeIds = new Set<string>()
    for (const roleId of roles) for (const scopeId of this.state.roleScopes.get(roleId) ?? []) scopeIds.add(scopeId)
    return sortKeys(scopeIds).flatMap((scopeId) => {
      const scope = this.state.scopes.get(scopeId)
      return scope === undefined ? [] : [scope]
    })
  }

  // ---------------------------------------------------------------- application members

  /** ListOrganizationApplications: by application id; `q` over id, name, description. */
  listOrganizationApplications(
    id: string,
    query: { readonly q?: string | undefined },
    paging: Paging
  ): Page<Member.OrganizationApplication> {
    const org = this.state.orgs.get(id)
    if (org === undefined) return slice([], paging)
    let ids = org.apps.values()
    if (query.q !== undefined && query.q !== "") {
      const re = compile(query.q)
      ids = ids.filter((appId) => {
        const a = this.state.apps.get(appId)!
        return matchesAny(re, [a.id, a.name, a.description])
      })
    }
    const page = slice(ids, paging)
    return {
      total: page.total,
      items: page.items.map((appId) => ({
        ...Rows.applicationView(this.state.apps.get(appId)!),
        organizationRoles: this.roleRefs(org.appRoles.get(appId))
      }))
    }
  }

  private appTypeViolated(appIds: ReadonlyArray<string>): boolean {
    return appIds.some((a) => {
      const app = this.state.apps.get(a)
      return app !== undefined && app.type !== "MachineToMachine"
    })
  }

  /** AddOrganizationApplications: machine-to-machine applications only; idempotent. */
  addOrganizationApplications(id: string, appIds: ReadonlyArray<string>): R<void, Unprocessable> {
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (this.appTypeViolated(appIds)) return fail(E.constraint())
    const org = this.state.orgs.get(id)
    if (org === undefined || appIds.some((a) => !this.state.apps.has(a))) return fail(E.foreignKey())
    for (const appId of appIds) this.state.addApp(org, appId)
    return OK
  }

  /** ReplaceOrganizationApplications: a delta; applications that stay keep their roles. */
  replaceOrganizationApplications(id: string, appIds: ReadonlyArray<string>): R<void, Unprocessable> {
    const wanted = new Set(appIds)
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (this.appTypeViolated([...wanted])) return fail(E.constraint())
    const org = this.state.orgs.get(id)
    if (wanted.size > 0 && (org === undefined || [...wanted].some((a) => !this.state.apps.has(a)))) {
      return fail(E.foreignKey())
    }
    if (org === undefined) return OK
    for (const appId of Array.from(org.apps.values())) if (!wanted.has(appId)) this.state.removeApp(org, appId)
    for (const appId of wanted) this.state.addApp(org, appId)
    return OK
  }

  /** DeleteOrganizationApplication: its roles here go too. */
  deleteOrganizationApplication(id: string, appId: string): R<void, NotFound> {
    const org = this.state.orgs.get(id)
    return org !== undefined && this.state.removeApp(org, appId) ? OK : fail(E.notFound())
  }

  /** AssignOrganizationRolesToApplications: every M2M role to every member application. */
  assignOrganizationRolesToApplications(
    id: string,
    appIds: ReadonlyArray<string>,
    roleIds: ReadonlyArray<string>
  ): R<void, Unprocessable> {
    if (chars(id) > 21) return fail(E.tooLong(21))
    if (roleIds.some((r) => this.wrongType(r, "MachineToMachine"))) return fail(E.constraint())
    const org = this.state.orgs.get(id)
    if (org === undefined || roleIds.some((r) => !this.state.roles.has(r)) || appIds.some((a) => !org.apps.has(a)))
      return fail(E.foreignKey())
    for (const appId of appIds) for (const roleId of roleIds) this.state.addAppRole(org, appId, roleId)
    return OK
  }

  private appMember(id: string, appId: string): R<OrgState, Unprocessable> {
    const org = this.state.orgs.get(id)
    return org !== undefined && org.apps.has(appId) ? ok(org) : fail(E.requireMembership())
  }

  /** ListOrganizationApplicationRoles: membership first; role-id order. */
  listOrganizationApplicationRoles(
    id: string,
    appId: string,
    paging: Paging
  ): R<Page<Role.OrganizationRole>, Unprocessable> {
    return Result.map(this.appMember(id, appId), (org) =>
      slice(this.sortedRoles(org.appRoles.get(appId) ?? []), paging)
    )
  }

  /**
   * Checks rows of an insert without deduplication in PostgreSQL's order: per row the type check
   * and then the primary key (a repeated id), and the foreign keys at the end of the statement.
   */
  private checkRows(
    ids: ReadonlyArray<string>,
    exists: (id: string) => boolean,
    wrongType: (id: string) => boolean
  ): R<void, Unprocessable> {
    const seen = new Set<string>()
    for (const id of ids) {
      if (wrongType(id)) return fail(E.constraint())
      if (seen.has(id)) return fail(E.unique())
      seen.add(id)
    }
    return ids.every(exists) ? OK : fail(E.foreignKey())
  }

  /** ReplaceOrganizationApplicationRoles: no deduplication (a repeated id is 422). */
  replaceOrganizationApplicationRoles(
    id: string,
    appId: string,
    roleIds: ReadonlyArray<string>
  ): R<void, Unprocessable> {
    const member = this.appMember(id, appId)
    if (Result.isFailure(member)) return fail(member.failure)
    const rows = this.checkRows(
      roleIds,
      (r) => this.state.roles.has(r),
      (r) => this.wrongType(r, "MachineToMachine")
    )
    if (Result.isFailure(rows)) return fail(rows.failure)
    this.state.setAppRoles(member.success, appId, roleIds)
    return OK
  }

  /** AssignOrganizationRolesToApplication: adds M2M roles; idempotent. */
  assignOrganizationRolesToApplication(
    id: string,
    appId: string,
    roleIds: ReadonlyArray<string>
  ): R<void, Unprocessable> {
    const member = this.appMember(id, appId)
    if (Result.isFailure(member)) return fail(member.failure)
    if (roleIds.some((r) => this.wrongType(r, "MachineToMachine"))) return fail(E.constraint())
    if (roleIds.some((r) => !this.state.roles.has(r))) return fail(E.foreignKey())
    for (const roleId of roleIds) this.state.addAppRole(member.success, appId, roleId)
    return OK
  }

  /** DeleteOrganizationApplicationRole: membership first, then 404 when not assigned. */
  deleteOrganizationApplicationRole(id: string, appId: string, roleId: string): R<void, Unprocessable | NotFound> {
    const member = this.appMember(id, appId)
    if (Result.isFailure(member)) return fail(member.failure)
    return this.state.removeAppRole(member.success, appId, roleId) ? OK : fail(E.notFound())
  }

  // ---------------------------------------------------------------- JIT

  /** ListOrganizationJitEmailDomains: byte order; a stored `""` in the page is Logto's 500. */
  listOrganizationJitEmailDomains(id: string, paging: Paging): R<Page<Jit.JitEmailDomain>, E.InternalError> {
    const org = this.state.orgs.get(id)
    const page = slice(org === undefined ? [] : org.domains.values(), paging)
    if (page.items.includes("")) return fail(E.internal())
    return ok({
      total: page.total,
      items: page.items.map((emailDomain) => ({ tenantId: this.tenantId, organizationId: id, emailDomain }))
    })
  }

  /** CreateOrganizationJitEmailDomain: verbatim; not idempotent; 128 characters at most. */
  createOrganizationJitEmailDomain(id: string, emailDomain: string): R<Jit.JitEmailDomain, Unprocessable> {
    if (chars(emailDomain) > 128) return fail(E.tooLong(128))
    if (chars(id) > 21) return fail(E.tooLong(21))
    const org = this.state.orgs.get(id)
    if (org === undefined) return fail(E.foreignKey())
    if (!org.domains.add(emailDomain)) return fail(E.unique())
    return ok({ tenantId: this.tenantId, organizationId: id, emailDomain })
  }

  /** ReplaceOrganizationJitEmailDomains: verbatim, `""` included; a repeated domain is 422. */
  replaceOrganizationJitEmailDomains(id: string, domains: ReadonlyArray<string>): R<void, Unprocessable> {
    const org = this.state.orgs.get(id)
    if (domains.length > 0) {
      if (chars(id) > 21) return fail(E.tooLong(21))
      if (domains.some((d) => chars(d) > 128)) return fail(E.tooLong(128))
      const rows = this.checkRows(
        domains,
        () => org !== undefined,
        () => false
      )
      if (Result.isFailure(rows)) return fail(rows.failure)
    }
    if (org === undefined) return OK
    org.domains.clear()
    for (const domain of domains) org.domains.add(domain)
    return OK
  }

  /** DeleteOrganizationJitEmailDomain: exact, case-sensitive match. */
  deleteOrganizationJitEmailDomain(id: string, emailDomain: string): R<void, NotFound> {
    const org = this.state.orgs.get(id)
    return org !== undefined && org.domains.delete(emailDomain) ? OK : fail(E.notFound())
  }

  /** ListOrganizationJitRoles: 404 for an unknown organization; role-id order. */
  listOrganizationJitRoles(id: string, paging: Paging): R<Page<Role.OrganizationRole>, NotFound> {
    const org = this.state.orgs.get(id)
    if (org === undefined) return fail(E.notExistsWithId(id))
    return ok(slice(this.sortedRoles(org.jitRoles.values()), paging))
  }

  /** CreateOrganizationJitRole: any role type; idempotent. */
  createOrganizationJitRole(id: string, roleIds: ReadonlyArray<string>): R<void, Unprocessable> {
    if (chars(id) > 21) return fail(E.tooLong(21))
    const org = this.state.orgs.get(id)
    if (org === undefined || roleIds.some((r) => !this.state.roles.has(r))) return fail(E.foreignKey())
    for (const roleId of roleIds) this.state.addJitRole(org, roleId)
    return OK
  }

  /** ReplaceOrganizationJitRoles: no deduplication (a repeated id is 422). */
  replaceOrganizationJitRoles(id: string, roleIds: ReadonlyArray<string>): R<void, Unprocessable> {
    const org = this.state.orgs.get(id)
    if (roleIds.length > 0) {
      if (chars(id) > 21) return fail(E.tooLong(21))
      const rows = this.checkRows(
        roleIds,
        (r) => org !== undefined && this.state.roles.has(r),
        () => false
      )
      if (Result.isFailure(rows)) return fail(rows.failure)
    }
    if (org === undefined) return OK
    org.jitRoles.clear()
    for (const roleId of roleIds) this.state.addJitRole(org, roleId)
    return OK
  }

  /** DeleteOrganizationJitRole: 404 when absent. */
  deleteOrganizationJitRole(id: string, roleId: string): R<void, NotFound> {
    const org = this.state.orgs.get(id)
    return org !== undefined && org.jitRoles.delete(roleId) ? OK : fail(E.notFound())
  }

  /** ListOrganizationJitSsoConnectors: 404 for an unknown organization; full rows, `config` included. */
  listOrganizationJitSsoConnectors(id: string, paging: Paging): R<Page<Jit.SsoConnector>, NotFound> {
    const org = this.state.orgs.get(id)
    if (org === undefined) return fail(E.notExistsWithId(id))
    const rows = org.jitConnectors.values().flatMap((c) => {
      const row = this.state.connectors.get(c)
      return row === undefined ? [] : [row]
    })
    return ok(slice(rows, paging))
  }

  /** CreateOrganizationJitSsoConnector: idempotent. */
  createOrganizationJitSsoConnector(id: string, connectorIds: ReadonlyArray<string>): R<void, Unprocessable> {
    if (chars(id) > 21) return fail(E.tooLong(21))
    const org = this.state.orgs.get(id)
    if (org === undefined || connectorIds.some((c) => !this.state.connectors.has(c))) return fail(E.foreignKey())
    for (const connectorId of connectorIds) this.state.addJitConnector(org, connectorId)
    return OK
  }

  /** ReplaceOrganizationJitSsoConnectors: no deduplication (a repeated id is 422). */
  replaceOrganizationJitSsoConnectors(id: string, connectorIds: ReadonlyArray<string>): R<void, Unprocessable> {
    const org = this.state.orgs.get(id)
    if (connectorIds.length > 0) {
      if (chars(id) > 21) return fail(E.tooLong(21))
      const rows = this.checkRows(
        connectorIds,
        (c) => org !== undefined && this.state.connectors.has(c),
        () => false
      )
      if (Result.isFailure(rows)) return fail(rows.failure)
    }
    if (org === undefined) return OK
    this.state.clearJitConnectors(org)
    for (const connectorId of connectorIds) this.state.addJitConnector(org, connectorId)
    return OK
  }

  /** DeleteOrganizationJitSsoConnector: 404 when absent. */
  deleteOrganizationJitSsoConnector(id: string, connectorId: string): R<void, NotFound> {
    const org = this.state.orgs.get(id)
    return org !== undefined && this.state.removeJitConnector(org, connectorId) ? OK : fail(E.notFound())
  }
}

/** The user-role PUT and POST body. */
type Payload = {
  readonly organizationRoleIds?: ReadonlyArray<string> | undefined
  readonly organizationRoleNames?: ReadonlyArray<string> | undefined
}

/**
 * The store as a service, for the HttpApi handlers.
 *
 * @category services
 * @since 0.1.0
 */
export class FakeStore extends Context.Service<FakeStore, Store>()("@orgkit/testing/FakeStore") {
  /**
   * An empty store whose timestamps come from Effect's `Clock` (so `TestClock` controls them).
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<FakeStore> = Layer.effect(
    FakeStore,
    Effect.map(
      Effect.clockWith(Effect.succeed),
      (clock: Clock.Clock) => new Store({ now: () => clock.currentTimeMillisUnsafe() })
    )
  )

  /**
   * The service backed by an existing store.
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerStore = (store: Store): Layer.Layer<FakeStore> => Layer.succeed(FakeStore, store)
}

/**
 * A new store, without Effect.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: StoreOptions): Store => new Store(options)
