/**
 * Loading a seed into the state (all problems are found before anything changes) and dumping the
 * state as a seed.
 */
import type { Jit, Organization, Role } from "@orgkit/core"
import type * as Seed from "../Seed.ts"
import * as Rows from "./rows.ts"
import { sortKeys } from "./sorted.ts"
import type { State } from "./state.ts"

interface Context {
  readonly now: number
  readonly newId: (length: number, table: ReadonlyMap<string, unknown>) => string
}

/** A table seen as the state's rows overlaid with the rows a seed stages. */
class View<A> {
  readonly staged = new Map<string, A>()
  private readonly stored: ReadonlyMap<string, A>
  constructor(stored: ReadonlyMap<string, A>) {
    this.stored = stored
  }
  get(id: string): A | undefined {
    return this.staged.get(id) ?? this.stored.get(id)
  }
  has(id: string): boolean {
    return this.staged.has(id) || this.stored.has(id)
  }
  /** A map that answers `has` for both, to generate unused ids. */
  get all(): ReadonlyMap<string, unknown> {
    return { has: (id: string) => this.has(id) } as ReadonlyMap<string, unknown>
  }
  *values(): Iterable<A> {
    for (const [id, row] of this.stored) if (!this.staged.has(id)) yield row
    yield* this.staged.values()
  }
}

/** Finds the one row whose `key` equals `ref`; `undefined` when none, `null` when ambiguous. */
const unique = <A extends { readonly id: string }>(
  rows: Iterable<A>,
  ref: string,
  keys: ReadonlyArray<keyof A>
): string | undefined | null => {
  let found: string | undefined
  for (const row of rows) {
    if (keys.some((k) => row[k] === ref)) {
      if (found !== undefined && found !== row.id) return null
      found = row.id
    }
  }
  return found
}

interface OrgPlan {
  readonly row: Organization.Organization
  readonly users: Array<{ readonly id: string; readonly roles: ReadonlyArray<string> }>
  readonly apps: Array<{ readonly id: string; readonly roles: ReadonlyArray<string> }>
  readonly domains: ReadonlyArray<string>
  readonly jitRoles: ReadonlyArray<string>
  readonly jitConnectors: ReadonlyArray<string>
}

/**
 * Merges `seed` into `state`. Returns the problems found; when there are any, the state is
 * unchanged.
 */
export const apply = (state: State, seed: Seed.Seed, ctx: Context): Array<string> => {
  const problems: Array<string> = []
  const tenantId = state.tenantId

  // Scopes: upserted by id, or by name when no id is given (names are unique per tenant).
  const scopes = new View(state.scopes)
  const scopeByName = new Map(state.scopeByName)
  for (const [i, input] of (seed.organizationScopes ?? []).entries()) {
    const id = input.id ?? scopeByName.get(input.name) ?? ctx.newId(21, scopes.all)
    const owner = scopeByName.get(input.name)
    if (owner !== undefined && owner !== id) {
      problems.push(`organizationScopes[${i}]: the name "${input.name}" is already used by scope ${owner}`)
      continue
    }
    const previous = scopes.get(id)
    if (previous !== undefined && previous.name !== input.name) scopeByName.delete(previous.name)
    scopes.staged.set(id, Rows.scope(input, id, tenantId, previous))
    scopeByName.set(input.name, id)
  }
  const resolveScope = (ref: string) => (scopes.has(ref) ? ref : scopeByName.get(ref))

  // Roles: the same, plus their scopes.
  const roles = new View(state.roles)
  const roleByName = new Map(state.roleByName)
  const roleScopes = new Map<string, Array<string>>()
  let seq = state.roleSeq
  for (const [i, input] of (seed.organizationRoles ?? []).entries()) {
    const id = input.id ?? roleByName.get(input.name) ?? ctx.newId(21, roles.all)
    const owner = roleByName.get(input.name)
    if (owner !== undefined && owner !== id) {
      problems.push(`organizationRoles[${i}]: the name "${input.name}" is already used by role ${owner}`)
      continue
    }
    const previous = roles.get(id)
    if (previous !== undefined && previous.name !== input.name) roleByName.delete(previous.name)
    roles.staged.set(id, Rows.role(input, id, tenantId, ++seq, previous))
    roleByName.set(input.name, id)
    const refs = [...(input.organizationScopeIds ?? []), ...(input.scopes ?? []).map((s) => s.id ?? s.name ?? "")]
    if (input.organizationScopeIds === undefined && input.scopes === undefined) continue
    const scopeIds: Array<string> = []
    for (const ref of refs) {
      const scopeId = resolveScope(ref)
      if (scopeId === undefined) problems.push(`organizationRoles[${i}]: unknown organization scope "${ref}"`)
      else scopeIds.push(scopeId)
    }
    roleScopes.set(id, [...new Set(scopeIds)])
  }
  const resolveRole = (ref: string) => (roles.has(ref) ? ref : roleByName.get(ref))

  // Users: username and primary email are unique.
  const users = new View(state.users)
  const userKeys = {
    username: { staged: new Map<string, string>(), stored: state.userByUsername },
    primaryEmail: { staged: new Map<string, string>(), stored: state.userByEmail }
  }
  const userByKey = (key: "username" | "primaryEmail", value: string) =>
    userKeys[key].staged.get(value) ?? userKeys[key].stored.get(value)
  for (const [i, input] of (seed.users ?? []).entries()) {
    const id = input.id ?? ctx.newId(12, users.all)
    const row = Rows.user(input, id, ctx.now, users.get(id))
    for (const key of ["username", "primaryEmail"] as const) {
      const value = row[key]
      if (value === null) continue
      const owner = userByKey(key, value)
      if (owner !== undefined && owner !== id)
        problems.push(`users[${i}]: the ${key} "${value}" is already used by user ${owner}`)
      else userKeys[key].staged.set(value, id)
    }
    users.staged.set(id, row)
  }
  const resolveUserByKey = (ref: string): string | undefined =>
    userByKey("username", ref) ?? userByKey("primaryEmail", ref)

  const apps = new View(state.apps)
  for (const input of seed.applications ?? []) {
    const id = input.id ?? ctx.newId(21, apps.all)
    apps.staged.set(id, Rows.application(input, id, tenantId, ctx.now, apps.get(id)))
  }

  const connectors = new View<Jit.SsoConnector>(state.connectors)
  for (const input of seed.ssoConnectors ?? []) {
    const id = input.id ?? ctx.newId(12, connectors.all)
    connectors.staged.set(id, Rows.connector(input, id, tenantId, ctx.now, connectors.get(id)))
  }

  const resolver =
    <A extends { readonly id: string }>(view: View<A>, kind: string, keys: ReadonlyArray<keyof A>) =>
    (ref: string, where: string): string | undefined => {
      if (view.has(ref)) return ref
      const found = unique(view.values(), ref, keys)
      if (found === undefined) problems.push(`${where}: unknown ${kind} "${ref}"`)
      else if (found === null) problems.push(`${where}: the ${kind} reference "${ref}" is ambiguous`)
      return found ?? undefined
    }
  const resolveUser = (ref: string, where: string): string | undefined => {
    const found = users.has(ref) ? ref : resolveUserByKey(ref)
    if (found === undefined) problems.push(`${where}: unknown user "${ref}"`)
    return found
  }
  const resolveApp = resolver(apps, "application", ["name"])
  const resolveConnector = resolver(connectors, "SSO connector", ["connectorName"])
  const resolveRoles = (refs: ReadonlyArray<string>, type: Role.RoleType | undefined, where: string) =>
    refs.flatMap((ref) => {
      const roleId = resolveRole(ref)
      if (roleId === undefined) {
        problems.push(`${where}: unknown organization role "${ref}"`)
        return []
      }
      const role = roles.get(roleId)!
      if (type !== undefined && role.type !== type) {
        problems.push(`${where}: the role "${role.name}" has type ${role.type}, not ${type}`)
        return []
      }
      return [roleId]
    })
  const members = (refs: ReadonlyArray<Seed.MemberRef>) =>
    refs.map((m) =>
      typeof m === "string" ? { ref: m, roles: [] as ReadonlyArray<string> } : { ref: m.id, roles: m.roles ?? [] }
    )

  const orgIds = new View(state.orgs)
  const plans: Array<OrgPlan> = []
  for (const [i, input] of (seed.organizations ?? []).entries()) {
    const where = `organizations[${i}]`
    const { id: givenId, users: userRefs, applications: appRefs, jit, tenantId: _t, ...fields } = input
    const id = givenId ?? ctx.newId(12, orgIds.all)
    const previous = state.orgs.get(id)?.row
    const row = Rows.organization(fields, id, tenantId, fields.createdAt ?? previous?.createdAt ?? ctx.now, previous)
    orgIds.staged.set(id, undefined as never)
    const planUsers = members(userRefs ?? []).flatMap(({ ref, roles: r }) => {
      const userId = resolveUser(ref, `${where}.users`)
      return userId === undefined ? [] : [{ id: userId, roles: resolveRoles(r, "User", `${where}.users[${ref}]`) }]
    })
    const planApps = members(appRefs ?? []).flatMap(({ ref, roles: r }) => {
      const appId = resolveApp(ref, `${where}.applications`)
      if (appId === undefined) return []
      const app = apps.get(appId)!
      if (app.type !== "MachineToMachine") {
        problems.push(
          `${where}.applications: "${app.name}" is a ${app.type} application; only MachineToMachine applications can be members`
        )
        return []
      }
      return [{ id: appId, roles: resolveRoles(r, "MachineToMachine", `${where}.applications[${ref}]`) }]
    })
    plans.push({
      row,
      users: planUsers,
      apps: planApps,
      domains: jit?.emailDomains ?? [],
      jitRoles: resolveRoles(jit?.roles ?? [], undefined, `${where}.jit.roles`),
      jitConnectors: (jit?.ssoConnectors ?? []).flatMap(
        (ref) => resolveConnector(ref, `${where}.jit.ssoConnectors`) ?? []
      )
    })
  }

  if (problems.length > 0) return problems

  for (const row of scopes.staged.values()) state.putScope(row)
  for (const row of roles.staged.values()) state.putRole(row, roleScopes.get(row.id))
  state.roleSeq = seq
  for (const row of users.staged.values()) state.putUser(row)
  for (const row of apps.staged.values()) state.apps.set(row.id, row)
  for (const row of connectors.staged.values()) state.connectors.set(row.id, row)
  for (const plan of plans) {
    const org = state.putOrganization(plan.row)
    for (const member of plan.users) {
      state.addUser(org, member.id)
      for (const roleId of member.roles) state.addUserRole(org, member.id, roleId)
    }
    for (const member of plan.apps) {
      state.addApp(org, member.id)
      for (const roleId of member.roles) state.addAppRole(org, member.id, roleId)
    }
    for (const domain of plan.domains) org.domains.add(domain)
    for (const roleId of plan.jitRoles) state.addJitRole(org, roleId)
    for (const connectorId of plan.jitConnectors) state.addJitConnector(org, connectorId)
  }
  return []
}

const memberRefs = (
  ids: ReadonlyArray<string>,
  roles: ReadonlyMap<string, ReadonlySet<string>>
): Array<Seed.MemberRef> =>
  ids.map((id) => {
    const r = roles.get(id)
    return r === undefined || r.size === 0 ? id : { id, roles: sortKeys(r) }
  })

/** The state as a seed document that recreates it (ids included). */
export const snapshot = (state: State): Seed.Seed => ({
  organizationScopes: sortKeys(state.scopes.keys()).map((id) => {
    const { tenantId: _t, ...scope } = state.scopes.get(id)!
    return scope
  }),
  organizationRoles: [...state.roles.values()]
    .sort((a, b) => a.seq - b.seq)
    .map(({ tenantId: _t, seq: _s, ...role }) => ({
      ...role,
      organizationScopeIds: sortKeys(state.roleScopes.get(role.id) ?? [])
    })),
  users: sortKeys(state.users.keys()).map((id) => state.users.get(id)!),
  applications: sortKeys(state.apps.keys()).map((id) => {
    const { tenantId: _t, ...app } = state.apps.get(id)!
    return app
  }),
  ssoConnectors: sortKeys(state.connectors.keys()).map((id) => {
    const { tenantId: _t, ...connector } = state.connectors.get(id)!
    return connector
  }),
  organizations: state.orgIndex.values().map((id) => {
    const org = state.orgs.get(id)!
    const { tenantId: _t, ...row } = org.row
    return {
      ...row,
      users: memberRefs(org.users.values(), org.userRoles),
      applications: memberRefs(org.apps.values(), org.appRoles),
      jit: {
        emailDomains: [...org.domains.values()],
        roles: [...org.jitRoles.values()],
        ssoConnectors: [...org.jitConnectors.values()]
      }
    }
  })
})
