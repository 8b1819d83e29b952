/**
 * The `organizations` group: list (key order, `q`, `showFeatured`), create, get, update, delete.
 */
import { type LogtoError, type Organization, RouteTable, Validation } from "@orgkit/core"
import * as E from "../errors.ts"
import { compile, matchesAny } from "../like.ts"
import * as Rows from "../rows.ts"
import { type Ctx, fail, type NotFound, ok, OK, type Page, type Paging, type R, type Unprocessable } from "./common.ts"

const truthy = new Set(["1", "true", "y", "yes", "yep", "yeah"])

/** UpdateOrganization's storage rules (ignored keys, a body left empty, timestamp columns), from core. */
const patch = RouteTable.byName.get("updateOrganization")!.patch!

const inTimestampRange = (value: number) =>
  value >= Validation.timestampRange.min && value < Validation.timestampRange.end

/** ListOrganizations: key order, `q` over id and name, `showFeatured`. */
export const list = (
  ctx: Ctx,
  query: { readonly q?: string | undefined; readonly showFeatured?: string | undefined },
  paging: Paging
): Page<Organization.OrganizationWithFeatured> => {
  const s = ctx.state
  let ids: ReadonlyArray<string>
  let total: number | undefined
  if (query.q !== undefined && query.q !== "") {
    const re = compile(query.q)
    const all = s.orgIndex.filter((id) => matchesAny(re, [id, s.orgs.get(id)!.row.name]))
    ids = paging._tag === "Off" ? all : all.slice(paging.offset, paging.offset + paging.pageSize)
    total = paging._tag === "Off" ? undefined : all.length
  } else {
    // Without a search only the page is read from the index, whatever the number of organizations.
    ids = paging._tag === "Off" ? s.orgIndex.values() : s.orgIndex.slice(paging.offset, paging.offset + paging.pageSize)
    total = paging._tag === "Off" ? undefined : s.orgIndex.size
  }
  const featured = query.showFeatured !== undefined && truthy.has(query.showFeatured.toLowerCase())
  return {
    total,
    items: ids.map((id) => {
      const org = s.orgs.get(id)!
      if (!featured) return org.row
      return {
        ...org.row,
        usersCount: org.users.size,
        featuredUsers: org.users.slice(0, 3).map((userId) => {
          const user = s.users.get(userId)!
          return { id: user.id, avatar: user.avatar, name: user.name }
        })
      }
    })
  }
}

/** CreateOrganization: a new 12-character id; `tenantId` and `createdAt` ignored. */
export const create = (
  ctx: Ctx,
  input: Organization.CreateOrganization
): R<Organization.Organization, LogtoError.Forbidden> => {
  const limit = ctx.quotas.organizations
  if (limit !== undefined && ctx.state.orgs.size >= limit) return fail(E.limitExceeded())
  const id = ctx.newId(12, ctx.state.orgs)
  const { tenantId: _tenantId, createdAt: _createdAt, ...fields } = input
  return ok(ctx.state.putOrganization(Rows.organization(fields, id, ctx.tenantId, ctx.now())).row)
}

/** GetOrganization: 404 `entity.not_exists_with_id`. */
export const get = (ctx: Ctx, id: string): R<Organization.Organization, NotFound> => {
  const org = ctx.state.orgs.get(id)
  return org === undefined ? fail(E.notExistsWithId(id)) : ok(org.row)
}

/**
 * UpdateOrganization: only the keys sent change, JSON fields are replaced; nothing to update is
 * 422 before the 404; a foreign `tenantId` or an out-of-range `createdAt` is Logto's 500.
 */
export const update = (
  ctx: Ctx,
  id: string,
  input: Organization.UpdateOrganization
): R<Organization.Organization, NotFound | Unprocessable | E.InternalError> => {
  const fields = Object.fromEntries(Object.entries(input).filter(([key]) => !patch.ignoredKeys.includes(key))) as Omit<
    Organization.UpdateOrganization,
    "id"
  >
  if (patch.requireKeys && Object.keys(fields).length === 0) return fail(E.invalidInput())
  const org = ctx.state.orgs.get(id)
  if (org === undefined) return fail(E.notExists())
  if (fields.tenantId !== undefined && fields.tenantId !== ctx.tenantId) return fail(E.internal())
  const outOfRange = patch.timestampKeys.some((key) => {
    const value = (fields as Record<string, unknown>)[key]
    return typeof value === "number" && !inTimestampRange(value)
  })
  if (outOfRange) return fail(E.internal())
  const createdAt = fields.createdAt === undefined ? undefined : Math.trunc(fields.createdAt)
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
export const remove = (ctx: Ctx, id: string): R<void, NotFound> =>
  ctx.state.deleteOrganization(id) ? OK : fail(E.notFound())
