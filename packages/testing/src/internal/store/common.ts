/**
 * What every group's operations share: the context they run in (the tables, the tenant, the
 * clock, id generation, quotas), pagination of a result, and PostgreSQL's checks of an insert.
 */
import type { LogtoError, Role } from "@orgkit/core"
import * as Result from "effect/Result"
import * as E from "../errors.ts"
import * as Rows from "../rows.ts"
import { sortKeys } from "../sorted.ts"
import type { State } from "../state.ts"

/**
 * Logto Cloud's plan quotas (403 `subscription.limit_exceeded`); off unless set.
 */
export interface Quotas {
  readonly organizations?: number | undefined
  readonly usersPerOrganization?: number | undefined
}

/** What the operations run against. */
export interface Ctx {
  readonly state: State
  readonly tenantId: string
  readonly now: () => number
  readonly quotas: Quotas
  /** A fresh id of Logto's length and alphabet, unused in `table`. */
  readonly newId: (length: number, table: ReadonlyMap<string, unknown>) => string
}

/** Pagination as the handlers pass it: off (everything) or an offset and a page size. */
export type Paging =
  | { readonly _tag: "Off" }
  | { readonly _tag: "Page"; readonly offset: number; readonly pageSize: number }

/** A page of a list and, when pagination was on, the total number of matches. */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly total: number | undefined
}

export type R<A, E = never> = Result.Result<A, E>
export type Unprocessable = LogtoError.UnprocessableEntity
export type NotFound = LogtoError.NotFound

export const ok = Result.succeed
export const fail = Result.fail
export const OK: R<void> = ok(undefined)

/** PostgreSQL counts characters (code points) for `varchar(n)`. */
export const chars = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

/** The organization-id column is `varchar(21)`: a longer id fails its cast before anything else. */
export const checkOrgId = (id: string): R<void, Unprocessable> => (chars(id) > 21 ? fail(E.tooLong(21)) : OK)

export const slice = <A>(all: ReadonlyArray<A>, paging: Paging): Page<A> =>
  paging._tag === "Off"
    ? { items: all, total: undefined }
    : { items: all.slice(paging.offset, paging.offset + paging.pageSize), total: all.length }

/** True when the role exists and is not of `type`. */
export const wrongType = (ctx: Ctx, roleId: string, type: Role.RoleType): boolean => {
  const role = ctx.state.roles.get(roleId)
  return role !== undefined && role.type !== type
}

/** The roles with these ids, in role-id order (unknown ids are skipped). */
export const sortedRoles = (ctx: Ctx, roleIds: Iterable<string>): Array<Role.OrganizationRole> => {
  const out: Array<Role.OrganizationRole> = []
  for (const roleId of sortKeys(roleIds)) {
    const role = ctx.state.roles.get(roleId)
    if (role !== undefined) out.push(Rows.roleView(role))
  }
  return out
}

/**
 * Checks rows of an insert without deduplication in PostgreSQL's order: per row the type check
 * and then the primary key (a repeated id), and the foreign keys at the end of the statement.
 */
export const checkRows = (
  ids: ReadonlyArray<string>,
  exists: (id: string) => boolean,
  wrongTypeOf: (id: string) => boolean
): R<void, Unprocessable> => {
  const seen = new Set<string>()
  for (const id of ids) {
    if (wrongTypeOf(id)) return fail(E.constraint())
    if (seen.has(id)) return fail(E.unique())
    seen.add(id)
  }
  return ids.every(exists) ? OK : fail(E.foreignKey())
}
