/**
 * The dependency map of the cache, derived from core's route metadata (`RouteTable`), never listed
 * by hand: which tag a read depends on, and which tags a write invalidates.
 *
 * Tags:
 * - `org:<id>`: every read of one organization (all routes with the `id` path parameter);
 * - `orgs`: ListOrganizations (every page, query and view);
 * - `all`: everything (webhooks whose effect spans organizations).
 *
 * Every organization-scoped write invalidates its organization's tag, so any read of that
 * organization (its users and their roles and scopes, applications and their roles, JIT settings)
 * is refetched. Writes that change what ListOrganizations shows also invalidate `orgs`: the
 * organizations group (name, description, existence) and the user-membership writes (`usersCount`
 * and `featuredUsers` with `showFeatured`). No write of the 36 operations changes a read of another
 * organization: roles, scopes, users and applications themselves are managed outside them.
 */
import type { RouteTable } from "@orgkit/core"
import { createdOrganizationId } from "../internal/created-id.ts"

/** The tag of the organizations list. */
export const listTag = "orgs"

/** The tag that invalidates everything. */
export const allTag = "all"

/** The tag of one organization's reads. */
export const organizationTag = (id: string): string => `org:${id}`

/** Whether a write changes what ListOrganizations shows (besides its own organization's reads). */
export const changesList = (route: RouteTable.Route): boolean =>
  route.kind === "write" &&
  (route.group === "organizations" || (route.group === "users" && !route.path.includes("/roles")))

/** The tag a read depends on (besides `all`). */
export const readTag = (route: RouteTable.Route, params: Readonly<Record<string, string>>): string =>
  route.organizationParam === undefined ? listTag : organizationTag(params[route.organizationParam]!)

/**
 * The tags a write invalidates, whatever Logto answered (an error or no answer at all may still
 * have changed something). A created organization's own tag is included, so nothing cached for its
 * id before it existed (a list of a missing organization answers `[]`) survives.
 */
export const writeTags = (
  route: RouteTable.Route,
  params: Readonly<Record<string, string>>,
  body?: Uint8Array
): ReadonlyArray<string> => {
  const tags: Array<string> = []
  if (route.organizationParam !== undefined) tags.push(organizationTag(params[route.organizationParam]!))
  if (changesList(route)) tags.push(listTag)
  const created = createdOrganizationId(route, 201, body)
  if (created !== undefined) tags.push(organizationTag(created))
  return tags
}
