/**
 * One valid request per write operation (26 of the 36), built from core's route table: path
 * parameters filled with distinct ids, and a body for each operation that takes one. Also a stub
 * upstream that answers each operation's success status.
 */
import { RouteTable } from "@orgkit/core"

/** A request to send through the proxy, and what its audit event must say. */
export interface WriteCase {
  readonly route: RouteTable.Route
  readonly params: Readonly<Record<string, string>>
  readonly body: Record<string, unknown> | undefined
  /** The targets the event must list. */
  readonly targets: Readonly<Record<string, ReadonlyArray<string>>>
}

const paramValues: Readonly<Record<string, string>> = {
  id: "org-acme",
  userId: "user-path-1",
  applicationId: "app-path-1",
  organizationRoleId: "role-path-1",
  emailDomain: "path.example.com",
  ssoConnectorId: "sso-path-1"
}

const paramKinds: Readonly<Record<string, string>> = {
  userId: "userIds",
  applicationId: "applicationIds",
  organizationRoleId: "organizationRoleIds",
  emailDomain: "emailDomains",
  ssoConnectorId: "ssoConnectorIds"
}

/** Bodies by operation; the comment under each says which targets they carry. */
const bodies: Readonly<Record<string, Record<string, unknown>>> = {
  CreateOrganization: {
    name: "Acme",
    description: "created by the audit suite",
    customData: { apiToken: "tok-should-not-leak", nested: { password: "hunter2", plan: "pro" } }
  },
  UpdateOrganization: { name: "Acme 2", customData: { clientSecret: "s3cret", region: "eu" } },
  AddOrganizationUsers: { userIds: ["user-1", "user-2"] },
  ReplaceOrganizationUsers: { userIds: ["user-1", "user-3"] },
  AssignOrganizationRolesToUsers: { userIds: ["user-1"], organizationRoleIds: ["role-1", "role-2"] },
  ReplaceOrganizationUserRoles: { organizationRoleIds: ["role-1"], organizationRoleNames: ["admin"] },
  AssignOrganizationRolesToUser: { organizationRoleIds: ["role-2"], organizationRoleNames: ["viewer"] },
  AddOrganizationApplications: { applicationIds: ["app-1"] },
  ReplaceOrganizationApplications: { applicationIds: ["app-1", "app-2"] },
  AssignOrganizationRolesToApplications: { applicationIds: ["app-2"], organizationRoleIds: ["role-3"] },
  ReplaceOrganizationApplicationRoles: { organizationRoleIds: ["role-3"] },
  AssignOrganizationRolesToApplication: { organizationRoleIds: ["role-4"] },
  CreateOrganizationJitEmailDomain: { emailDomain: "acme.example.com" },
  ReplaceOrganizationJitEmailDomains: { emailDomains: ["acme.example.com", "acme.example.org"] },
  CreateOrganizationJitRole: { organizationRoleIds: ["role-5"] },
  ReplaceOrganizationJitRoles: { organizationRoleIds: ["role-5", "role-6"] },
  CreateOrganizationJitSsoConnector: { ssoConnectorIds: ["sso-1"] },
  ReplaceOrganizationJitSsoConnectors: { ssoConnectorIds: ["sso-1", "sso-2"] }
}

const bodyKinds: Readonly<Record<string, string>> = {
  userIds: "userIds",
  applicationIds: "applicationIds",
  organizationRoleIds: "organizationRoleIds",
  organizationRoleNames: "organizationRoleNames",
  emailDomain: "emailDomains",
  emailDomains: "emailDomains",
  ssoConnectorIds: "ssoConnectorIds"
}

/** The write routes, from core. */
export const writeRoutes = RouteTable.routes.filter((route) => route.kind === "write")

/** One case per write operation. */
export const writeCases: ReadonlyArray<WriteCase> = writeRoutes.map((route) => {
  const params = Object.fromEntries(route.pathParams.map((p) => [p, paramValues[p]!]))
  const body = bodies[route.operationId]
  const targets: Record<string, Array<string>> = {}
  const add = (kind: string, value: string) => void (targets[kind] ??= []).push(value)
  for (const p of route.pathParams) if (paramKinds[p] !== undefined) add(paramKinds[p]!, params[p]!)
  for (const [field, value] of Object.entries(body ?? {})) {
    const kind = bodyKinds[field]
    if (kind === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) add(kind, v as string)
  }
  return { route, params, body, targets }
})

/** The path of a case. */
export const pathOf = (c: WriteCase): string => RouteTable.buildPath(c.route, c.params)

/** The request of a case, for `app.request` / `fetch`. */
export const requestOf = (
  c: WriteCase,
  init: { readonly key?: string; readonly headers?: Record<string, string> } = {}
): RequestInit => ({
  method: c.route.method,
  headers: {
    ...(init.key === undefined ? {} : { authorization: `Bearer ${init.key}` }),
    ...(c.body === undefined ? {} : { "content-type": "application/json" }),
    ...init.headers
  },
  ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) })
})

/** A stub Logto: answers every write with its operation's success status, and logs what it saw. */
export const stubUpstream = () => {
  const seen: Array<{ method: string; path: string }> = []
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    seen.push({ method: request.method, path: url.pathname })
    const match = RouteTable.match(request.method, url.pathname)
    if (match._tag !== "Route") return new Response("Not Found", { status: 404 })
    const status = match.route.successStatus
    if (status === 204) return new Response(null, { status })
    if (status === 201 && match.route.operationId !== "CreateOrganization") return new Response("Created", { status })
    return Response.json({ id: "org-new", name: "Acme" }, { status })
  }
  return { fetch, seen }
}
