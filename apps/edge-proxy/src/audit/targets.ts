/**
 * Which users, applications, roles, email domains and SSO connectors a write touches, taken from
 * its path parameters and body. The fields to read per operation are derived from core's route
 * table and endpoint schemas: a route's targets are its non-organization path parameters plus the
 * fields of its payload schema that appear in `bodyTargetFields`. There is no per-operation table.
 */
import { RouteTable } from "@orgkit/core"
import type * as SchemaAST from "effect/SchemaAST"
import type { TargetKind, Targets } from "./event.ts"

/** Path parameter → target kind (the organization parameter `id` is the event's `organizationId`). */
export const pathTargetParams: Readonly<Record<string, TargetKind>> = {
  userId: "userIds",
  applicationId: "applicationIds",
  organizationRoleId: "organizationRoleIds",
  emailDomain: "emailDomains",
  ssoConnectorId: "ssoConnectorIds"
}

/** Body field → target kind. Each field holds an id, or an array of ids. */
export const bodyTargetFields: Readonly<Record<string, TargetKind>> = {
  userIds: "userIds",
  applicationIds: "applicationIds",
  organizationRoleIds: "organizationRoleIds",
  organizationRoleNames: "organizationRoleNames",
  emailDomain: "emailDomains",
  emailDomains: "emailDomains",
  ssoConnectorIds: "ssoConnectorIds"
}

/** The default cap on target ids per event (a replace-all body may list thousands). */
export const defaultMaxTargets = 1000

/** The top-level field names of a route's JSON payload schema (empty for operations without a body). */
export const payloadFields = (route: RouteTable.Route): ReadonlyArray<string> => {
  const payload = (
    route.endpoint as {
      readonly payload?: ReadonlyMap<string, { readonly schemas: ReadonlyArray<{ readonly ast: SchemaAST.AST }> }>
    }
  ).payload
  const schema = payload?.get("application/json")?.schemas[0]
  if (schema === undefined || schema.ast._tag !== "Objects") return []
  return schema.ast.propertySignatures.map((p) => String(p.name))
}

interface RouteTargets {
  readonly params: ReadonlyArray<readonly [string, TargetKind]>
  readonly body: ReadonlyArray<readonly [string, TargetKind]>
}

/** Per operation: which path parameters and body fields hold targets, derived once from core. */
export const routeTargets: ReadonlyMap<string, RouteTargets> = new Map(
  RouteTable.routes.map((route) => [
    route.operationId,
    {
      params: route.pathParams.flatMap((p) =>
        pathTargetParams[p] === undefined ? [] : [[p, pathTargetParams[p]!] as const]
      ),
      body: payloadFields(route).flatMap((f) =>
        bodyTargetFields[f] === undefined ? [] : [[f, bodyTargetFields[f]!] as const]
      )
    }
  ])
)

/**
 * The targets of a request: path parameters first, then the body's fields in schema order; ids
 * deduplicated per kind; only strings are taken (a malformed body of a denied request yields what
 * it can). At most `maxTargets` ids in all; the rest are counted in `omitted`.
 */
export const extractTargets = (
  route: RouteTable.Route,
  params: Readonly<Record<string, string>>,
  body: unknown,
  maxTargets: number = defaultMaxTargets
): Targets => {
  const spec = routeTargets.get(route.operationId)
  const lists = new Map<TargetKind, Set<string>>()
  let kept = 0
  let omitted = 0
  const add = (kind: TargetKind, value: unknown) => {
    if (typeof value !== "string") return
    let list = lists.get(kind)
    if (list === undefined) lists.set(kind, (list = new Set()))
    if (list.has(value)) return
    if (kept >= maxTargets) {
      omitted++
      return
    }
    list.add(value)
    kept++
  }
  for (const [param, kind] of spec?.params ?? []) add(kind, params[param])
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>
    for (const [field, kind] of spec?.body ?? []) {
      const value = record[field]
      if (Array.isArray(value)) for (const item of value) add(kind, item)
      else add(kind, value)
    }
  }
  const targets: { -readonly [K in keyof Targets]: Targets[K] } = {}
  for (const [kind, list] of lists) if (list.size > 0) targets[kind] = [...list]
  if (omitted > 0) targets.omitted = omitted
  return targets
}
