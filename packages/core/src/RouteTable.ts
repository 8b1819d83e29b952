/**
 * Route metadata derived from `OrganizationsApi` with `HttpApi.reflect`, never typed out by hand,
 * and a matcher from `(method, pathname)` to an operation and its decoded path parameters.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as OpenApi from "effect/http-api/OpenApi"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import { Idempotent, StoredPatch } from "./internal/endpoint.ts"
import { OrganizationsApi } from "./OrganizationsApi.ts"
import * as Pagination from "./Pagination.ts"

type Groups = typeof OrganizationsApi extends HttpApi.HttpApi<infer _Id, infer G> ? G : never

/**
 * An endpoint (and client method) name, e.g. `addOrganizationUsers`: the union of the 36, derived
 * from `OrganizationsApi`.
 *
 * @category models
 * @since 0.1.0
 */
export type Name = HttpApiGroup.Endpoints<Groups>["identifier"]

/**
 * Logto's operationId, e.g. `AddOrganizationUsers`: the endpoint name capitalized (checked when the
 * table is built), so a misspelt operationId does not compile.
 *
 * @category models
 * @since 0.1.0
 */
export type OperationId = Capitalize<Name>

/**
 * What an operation acts on, as far as organizations go: one organization named by a path
 * parameter, the list of all organizations (ListOrganizations), or a new one (CreateOrganization).
 *
 * @category models
 * @since 0.1.0
 */
export type Subject = "organization" | "organizations" | "new-organization"

/**
 * How a PATCH body is stored beyond its schema (UpdateOrganization): keys dropped before
 * validation, whether a body left empty is 422, and the keys that must fit PostgreSQL's timestamps.
 *
 * @category models
 * @since 0.1.0
 */
export type Patch = typeof StoredPatch.Service

/**
 * One of the 36 operations.
 *
 * @category models
 * @since 0.1.0
 */
export interface Route {
  /** Logto's operationId, e.g. `AddOrganizationUsers`. */
  readonly operationId: OperationId
  /** The endpoint (and client method) name, e.g. `addOrganizationUsers`. */
  readonly name: Name
  /** The group: `organizations`, `users`, `applications` or `jit`. */
  readonly group: string
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** The path with `:param` placeholders, e.g. `/api/organizations/:id/users`. */
  readonly path: string
  /** The path in OpenAPI form, e.g. `/api/organizations/{id}/users`. */
  readonly template: string
  /** GETs read; everything else writes. */
  readonly kind: "read" | "write"
  /** The path parameters, in path order. */
  readonly pathParams: ReadonlyArray<string>
  /** The path parameter holding the organization id, if any (only ListOrganizations and CreateOrganization have none). */
  readonly organizationParam: string | undefined
  /** What the operation acts on (see `Subject`). */
  readonly subject: Subject
  /** PATCH body rules beyond the schema (UpdateOrganization), if any. */
  readonly patch: Patch | undefined
  /**
   * The member whose membership Logto checks before anything else (422 `organization.require_membership`):
   * `userId` on `/{id}/users/{userId}/roles…`, `applicationId` on `/{id}/applications/{applicationId}/roles…`.
   */
  readonly membershipParam: "userId" | "applicationId" | undefined
  readonly pagination: Pagination.Mode
  /**
   * Safe to send twice: GET, PUT and DELETE, and the POSTs Logto runs as "on conflict do nothing"
   * (every relation add/assign, not CreateOrganization or CreateOrganizationJitEmailDomain).
   */
  readonly idempotent: boolean
  /** The success status: 200, 201 or 204. */
  readonly successStatus: number
  /** The error statuses the operation really produces. */
  readonly errorStatuses: ReadonlyArray<number>
  /** The endpoint itself, for its schemas. */
  readonly endpoint: HttpApiEndpoint.Top
}

const membershipParamOf = (path: string): Route["membershipParam"] => {
  const m = /\/(users\/:userId|applications\/:applicationId)\/roles(\/|$)/.exec(path)
  return m === null ? undefined : m[1]!.startsWith("users") ? "userId" : "applicationId"
}

const build = (): ReadonlyArray<Route> => {
  const routes: Array<Route> = []
  HttpApi.reflect(OrganizationsApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, errors, group, mergedAnnotations, successes }) => {
      const pathParams = [...endpoint.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
      const name = endpoint.identifier as Name
      const operationId = Context.getOrElse(mergedAnnotations, OpenApi.Identifier, () => endpoint.identifier)
      if (operationId !== name[0]!.toUpperCase() + name.slice(1)) {
        throw new Error(`operationId ${operationId} is not the capitalized endpoint name ${name}`)
      }
      const organizationParam = pathParams.includes("id") ? "id" : undefined
      routes.push({
        operationId: operationId as OperationId,
        name,
        group: group.identifier,
        method: endpoint.method as Route["method"],
        path: endpoint.path,
        template: endpoint.path.replace(/:(\w+)/g, "{$1}"),
        kind: endpoint.method === "GET" ? "read" : "write",
        pathParams,
        organizationParam,
        subject:
          organizationParam !== undefined
            ? "organization"
            : endpoint.method === "GET"
              ? "organizations"
              : "new-organization",
        patch: Context.getOrElse(mergedAnnotations, StoredPatch, () => undefined),
        membershipParam: membershipParamOf(endpoint.path),
        pagination:
          endpoint.method === "GET"
            ? Context.getOrElse(mergedAnnotations, Pagination.PaginationMode, () => "none" as const)
            : "none",
        idempotent: endpoint.method !== "POST" || Context.getOrElse(mergedAnnotations, Idempotent, () => false),
        successStatus: [...successes.keys()][0] ?? 204,
        errorStatuses: [...errors.keys()].sort((a, b) => a - b),
        endpoint
      })
    }
  })
  return routes
}

/**
 * All 36 routes, in definition order.
 *
 * @category constructors
 * @since 0.1.0
 */
export const routes: ReadonlyArray<Route> = build()

/**
 * Routes by Logto operationId.
 *
 * @category constructors
 * @since 0.1.0
 */
export const byOperationId: ReadonlyMap<OperationId, Route> = new Map(routes.map((r) => [r.operationId, r]))

/**
 * Routes by endpoint (client method) name.
 *
 * @category constructors
 * @since 0.1.0
 */
export const byName: ReadonlyMap<Name, Route> = new Map(routes.map((r) => [r.name, r]))

/**
 * What a request line matches.
 *
 * @category models
 * @since 0.1.0
 */
export type Match =
  | { readonly _tag: "Route"; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly _tag: "MethodNotAllowed"; readonly allow: ReadonlyArray<string> }
  | { readonly _tag: "Options"; readonly allow: ReadonlyArray<string> }
  | { readonly _tag: "NotFound" }

interface Compiled {
  readonly route: Route
  readonly segments: ReadonlyArray<string | { readonly param: string }>
  readonly literals: number
}

/** Routes bucketed by their number of segments: a request only ever compares against its own bucket. */
const bySegmentCount: ReadonlyMap<number, ReadonlyArray<Compiled>> = (() => {
  const buckets = new Map<number, Array<Compiled>>()
  for (const route of routes) {
    const segments = route.path
      .split("/")
      .slice(1)
      .map((s) => (s.startsWith(":") ? { param: s.slice(1) } : s))
    const compiled = { route, segments, literals: segments.filter((s) => typeof s === "string").length }
    const bucket = buckets.get(segments.length) ?? []
    bucket.push(compiled)
    buckets.set(segments.length, bucket)
  }
  return buckets
})()

/** Percent-decodes a segment as Logto does: an invalid escape is used verbatim. */
const decodeSegment = (segment: string): string => {
  if (!segment.includes("%")) return segment
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const matchSegments = (c: Compiled, raw: ReadonlyArray<string>): Record<string, string> | undefined => {
  for (let i = 0; i < raw.length; i++) {
    const expected = c.segments[i]!
    if (typeof expected === "string" ? expected !== raw[i] : raw[i] === "") return undefined
  }
  const params: Record<string, string> = {}
  for (let i = 0; i < raw.length; i++) {
    const expected = c.segments[i]!
    if (typeof expected !== "string") params[expected.param] = decodeSegment(raw[i]!)
  }
  return params
}

const allowOf = (candidates: ReadonlyArray<Compiled>): Array<string> => {
  const methods = new Set<string>()
  for (const c of candidates) {
    if (c.route.method === "GET") methods.add("HEAD")
    methods.add(c.route.method)
  }
  return [...methods]
}

/**
 * Matches a request line against the 36 routes as Logto's router does: path parameters are
 * percent-decoded (an invalid escape is kept verbatim), one trailing slash is ignored, an empty
 * segment matches nothing, a literal segment beats a parameter (`POST …/users/roles`), and HEAD
 * is answered by the GET route. `pathname` is the raw, still-encoded path.
 *
 * @category constructors
 * @since 0.1.0
 */
export const match = (method: string, pathname: string): Match => {
  const trimmed = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname
  const raw = trimmed.split("/").slice(1)
  const bucket = bySegmentCount.get(raw.length)
  if (bucket === undefined) return { _tag: "NotFound" }
  const upper = method.toUpperCase()
  const wanted = upper === "HEAD" ? "GET" : upper
  let best: Compiled | undefined
  let bestParams: Record<string, string> | undefined
  const candidates: Array<Compiled> = []
  for (const c of bucket) {
    const params = matchSegments(c, raw)
    if (params === undefined) continue
    candidates.push(c)
    if (c.route.method === wanted && (best === undefined || c.literals > best.literals)) {
      best = c
      bestParams = params
    }
  }
  if (candidates.length === 0) return { _tag: "NotFound" }
  if (upper === "OPTIONS") return { _tag: "Options", allow: allowOf(candidates) }
  return best === undefined
    ? { _tag: "MethodNotAllowed", allow: allowOf(candidates) }
    : { _tag: "Route", route: best.route, params: bestParams! }
}

/** Characters `encodeURIComponent` escapes that RFC 3986 allows literally in a path segment. */
const segmentSafe = /%(3A|40|24|26|2B|2C|3B|3D)/g

/**
 * Percent-encodes one path segment minimally: what a segment may not contain (`/`, `?`, `#`, `%`,
 * spaces, non-ASCII, …) is escaped; `:`, `@` and the sub-delimiters stay literal, so the upstream path
 * is never much longer than the caller's; the dot segments `.` and `..` are escaped whole.
 */
const encodeSegment = (value: string): string =>
  value === "." || value === ".."
    ? value.replace(/\./g, "%2E")
    : unreserved.test(value)
      ? value
      : encodeURIComponent(value).replace(segmentSafe, (escape) => decodeURIComponent(escape))

/** Ids and most values: nothing to escape (the common case, answered without building a string). */
const unreserved = /^[\w.~-]+$/

/** A route's path split at its parameters: literal, name, literal, …, literal. */
const templates = new WeakMap<Route, ReadonlyArray<string>>()
const templateOf = (route: Route): ReadonlyArray<string> => {
  let template = templates.get(route)
  if (template === undefined) {
    template = route.path.split(/:(\w+)/)
    templates.set(route, template)
  }
  return template
}

/**
 * Builds a concrete path for a route, percent-encoding every parameter so that no value can
 * leave its segment (`a/b` becomes `a%2Fb`, `..` becomes `%2E%2E`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const buildPath = (route: Route, params: Readonly<Record<string, string>>): string => {
  const template = templateOf(route)
  let path = template[0]!
  for (let i = 1; i < template.length; i += 2) {
    const value = params[template[i]!]
    if (value === undefined) throw new Error(`missing path parameter ${template[i]} for ${route.operationId}`)
    path += encodeSegment(value) + template[i + 1]!
  }
  return path
}
