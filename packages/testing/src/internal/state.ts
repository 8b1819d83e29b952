/**
 * The fake's in-memory tables and their indexes. Every relation is stored per organization, so
 * reading or changing an organization costs what that organization holds; reverse indexes make
 * the cascades of deleting a user, an application, a role, a scope or a connector cost what that
 * entity is linked to.
 */
import type { Jit, Organization, Role } from "@orgkit/core"
import type { AppRow, RoleRow, UserRow } from "./rows.ts"
import { SortedSet } from "./sorted.ts"

/** One organization and everything attached to it. */
export class OrgState {
  /** User members, in user-id order. */
  readonly users = new SortedSet()
  /** Each member's roles in this organization. */
  readonly userRoles = new Map<string, Set<string>>()
  /** Application members, in application-id order. */
  readonly apps = new SortedSet()
  readonly appRoles = new Map<string, Set<string>>()
  /** JIT email domains in byte order (PostgreSQL `C.UTF-8`). */
  readonly domains = new SortedSet()
  readonly jitRoles = new SortedSet()
  readonly jitConnectors = new SortedSet()

  row: Organization.Organization

  constructor(row: Organization.Organization) {
    this.row = row
  }
}

const link = (index: Map<string, Set<string>>, key: string, value: string) => {
  let set = index.get(key)
  if (set === undefined) index.set(key, (set = new Set()))
  set.add(value)
}

const unlink = (index: Map<string, Set<string>>, key: string, value: string) => {
  const set = index.get(key)
  if (set === undefined) return
  set.delete(value)
  if (set.size === 0) index.delete(key)
}

/** All tables of one tenant. */
export class State {
  readonly orgs = new Map<string, OrgState>()
  /** Organization ids in key order: the order of a freshly seeded Logto. */
  readonly orgIndex = new SortedSet()
  readonly users = new Map<string, UserRow>()
  readonly apps = new Map<string, AppRow>()
  readonly roles = new Map<string, RoleRow>()
  readonly roleScopes = new Map<string, Set<string>>()
  readonly scopes = new Map<string, Role.OrganizationScope>()
  readonly connectors = new Map<string, Jit.SsoConnector>()
  readonly roleByName = new Map<string, string>()
  readonly scopeByName = new Map<string, string>()
  /** Unique user keys → user id. */
  readonly userByUsername = new Map<string, string>()
  readonly userByEmail = new Map<string, string>()
  /** Reverse indexes for cascades: entity id → organizations it is linked to. */
  readonly userOrgs = new Map<string, Set<string>>()
  readonly appOrgs = new Map<string, Set<string>>()
  /** A superset: organizations where the role was ever used (checked on cascade). */
  readonly roleOrgs = new Map<string, Set<string>>()
  readonly connectorOrgs = new Map<string, Set<string>>()
  readonly scopeRoles = new Map<string, Set<string>>()
  roleSeq = 0
  readonly tenantId: string

  constructor(tenantId: string) {
    this.tenantId = tenantId
  }

  // ---- organizations ----

  putOrganization(row: Organization.Organization): OrgState {
    const existing = this.orgs.get(row.id)
    if (existing !== undefined) {
      existing.row = row
      return existing
    }
    const org = new OrgState(row)
    this.orgs.set(row.id, org)
    this.orgIndex.add(row.id)
    return org
  }

  deleteOrganization(id: string): boolean {
    const org = this.orgs.get(id)
    if (org === undefined) return false
    for (const userId of org.users.values()) unlink(this.userOrgs, userId, id)
    for (const appId of org.apps.values()) unlink(this.appOrgs, appId, id)
    for (const connectorId of org.jitConnectors.values()) unlink(this.connectorOrgs, connectorId, id)
    const roles = new Set<string>(org.jitRoles.values())
    for (const set of org.userRoles.values()) for (const r of set) roles.add(r)
    for (const set of org.appRoles.values()) for (const r of set) roles.add(r)
    for (const roleId of roles) unlink(this.roleOrgs, roleId, id)
    this.orgs.delete(id)
    this.orgIndex.delete(id)
    return true
  }

  // ---- user members ----

  addUser(org: OrgState, userId: string): boolean {
    if (!org.users.add(userId)) return false
    link(this.userOrgs, userId, org.row.id)
    return true
  }

  /** Removes a member and, as Logto's cascade does, its roles in the organization. */
  removeUser(org: OrgState, userId: string): boolean {
    if (!org.users.delete(userId)) return false
    org.userRoles.delete(userId)
    unlink(this.userOrgs, userId, org.row.id)
    return true
  }

  addUserRole(org: OrgState, userId: string, roleId: string): void {
    let set = org.userRoles.get(userId)
    if (set === undefined) org.userRoles.set(userId, (set = new Set()))
    set.add(roleId)
    link(this.roleOrgs, roleId, org.row.id)
  }

  setUserRoles(org: OrgState, userId: string, roleIds: Iterable<string>): void {
    org.userRoles.delete(userId)
    for (const roleId of roleIds) this.addUserRole(org, userId, roleId)
  }

  removeUserRole(org: OrgState, userId: string, roleId: string): boolean {
    const set = org.userRoles.get(userId)
    if (set === undefined || !set.delete(roleId)) return false
    if (set.size === 0) org.userRoles.delete(userId)
    return true
  }

  // ---- application members ----

  addApp(org: OrgState, appId: string): boolean {
    if (!org.apps.add(appId)) return false
    link(this.appOrgs, appId, org.row.id)
    return true
  }

  removeApp(org: OrgState, appId: string): boolean {
    if (!org.apps.delete(appId)) return false
    org.appRoles.delete(appId)
    unlink(this.appOrgs, appId, org.row.id)
    return true
  }

  addAppRole(org: OrgState, appId: string, roleId: string): void {
    let set = org.appRoles.get(appId)
    if (set === undefined) org.appRoles.set(appId, (set = new Set()))
    set.add(roleId)
    link(this.roleOrgs, roleId, org.row.id)
  }

  setAppRoles(org: OrgState, appId: string, roleIds: Iterable<string>): void {
    org.appRoles.delete(appId)
    for (const roleId of roleIds) this.addAppRole(org, appId, roleId)
  }

  removeAppRole(org: OrgState, appId: string, roleId: string): boolean {
    const set = org.appRoles.get(appId)
    if (set === undefined || !set.delete(roleId)) return false
    if (set.size === 0) org.appRoles.delete(appId)
    return true
  }

  // ---- JIT ----

  addJitRole(org: OrgState, roleId: string): void {
    org.jitRoles.add(roleId)
    link(this.roleOrgs, roleId, org.row.id)
  }

  addJitConnector(org: OrgState, connectorId: string): void {
    org.jitConnectors.add(connectorId)
    link(this.connectorOrgs, connectorId, org.row.id)
  }

  removeJitConnector(org: OrgState, connectorId: string): boolean {
    if (!org.jitConnectors.delete(connectorId)) return false
    unlink(this.connectorOrgs, connectorId, org.row.id)
    return true
  }

  clearJitConnectors(org: OrgState): void {
    for (const id of org.jitConnectors.values()) unlink(this.connectorOrgs, id, org.row.id)
    org.jitConnectors.clear()
  }

  // ---- users ----

  putUser(row: UserRow): void {
    const previous = this.users.get(row.id)
    if (previous !== undefined) {
      if (previous.username !== null && this.userByUsername.get(previous.username) === row.id)
        this.userByUsername.delete(previous.username)
      if (previous.primaryEmail !== null && this.userByEmail.get(previous.primaryEmail) === row.id)
        this.userByEmail.delete(previous.primaryEmail)
    }
    this.users.set(row.id, row)
    if (row.username !== null) this.userByUsername.set(row.username, row.id)
    if (row.primaryEmail !== null) this.userByEmail.set(row.primaryEmail, row.id)
  }

  // ---- roles and scopes ----

  putRole(row: RoleRow, scopeIds: ReadonlyArray<string> | undefined): void {
    const previous = this.roles.get(row.id)
    if (previous !== undefined && previous.name !== row.name) this.roleByName.delete(previous.name)
    this.roles.set(row.id, row)
    this.roleByName.set(row.name, row.id)
    if (scopeIds === undefined) return
    for (const scopeId of this.roleScopes.get(row.id) ?? []) unlink(this.scopeRoles, scopeId, row.id)
    this.roleScopes.set(row.id, new Set(scopeIds))
    for (const scopeId of scopeIds) link(this.scopeRoles, scopeId, row.id)
  }

  putScope(row: Role.OrganizationScope): void {
    const previous = this.scopes.get(row.id)
    if (previous !== undefined && previous.name !== row.name) this.scopeByName.delete(previous.name)
    this.scopes.set(row.id, row)
    this.scopeByName.set(row.name, row.id)
  }

  // ---- cascades from outside the Organizations API (Logto's ON DELETE CASCADE) ----

  deleteUser(id: string): boolean {
    const row = this.users.get(id)
    if (row === undefined) return false
    this.users.delete(id)
    if (row.username !== null && this.userByUsername.get(row.username) === id) this.userByUsername.delete(row.username)
    if (row.primaryEmail !== null && this.userByEmail.get(row.primaryEmail) === id)
      this.userByEmail.delete(row.primaryEmail)
    // Copies: the cascades below mutate the sets being walked.
    for (const orgId of Array.from(this.userOrgs.get(id) ?? [])) this.removeUser(this.orgs.get(orgId)!, id)
    return true
  }

  deleteApplication(id: string): boolean {
    if (!this.apps.delete(id)) return false
    for (const orgId of Array.from(this.appOrgs.get(id) ?? [])) this.removeApp(this.orgs.get(orgId)!, id)
    return true
  }

  deleteRole(id: string): boolean {
    const row = this.roles.get(id)
    if (row === undefined) return false
    this.roles.delete(id)
    this.roleByName.delete(row.name)
    for (const scopeId of this.roleScopes.get(id) ?? []) unlink(this.scopeRoles, scopeId, id)
    this.roleScopes.delete(id)
    for (const orgId of this.roleOrgs.get(id) ?? []) {
      const org = this.orgs.get(orgId)
      if (org === undefined) continue
      for (const userId of Array.from(org.userRoles.keys())) this.removeUserRole(org, userId, id)
      for (const appId of Array.from(org.appRoles.keys())) this.removeAppRole(org, appId, id)
      org.jitRoles.delete(id)
    }
    this.roleOrgs.delete(id)
    return true
  }

  deleteScope(id: string): boolean {
    const row = this.scopes.get(id)
    if (row === undefined) return false
    this.scopes.delete(id)
    this.scopeByName.delete(row.name)
    for (const roleId of this.scopeRoles.get(id) ?? []) this.roleScopes.get(roleId)?.delete(id)
    this.scopeRoles.delete(id)
    return true
  }

  deleteConnector(id: string): boolean {
    if (!this.connectors.delete(id)) return false
    for (const orgId of Array.from(this.connectorOrgs.get(id) ?? [])) this.removeJitConnector(this.orgs.get(orgId)!, id)
    return true
  }
}
