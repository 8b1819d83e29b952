/**
 * The plain-TypeScript front of the fake, in Logto's processing order: request log and fault
 * injection; `/oidc/token` and the control API; routing (404, 405 with `Allow` before auth,
 * OPTIONS); auth; the membership check of the per-member role routes; pagination; body parsing
 * (1 MiB limit); validation. Then the request goes to the HttpApi handlers, and the answer gets
 * Logto's HTTP details: `ETag` and 304, `Total-Number` and `Link`, HEAD without a body.
 */
import { Etag, Pagination, RouteTable, Validation } from "@orgkit/core"
import * as Result from "effect/Result"
import type * as Faults from "../Faults.ts"
import type { Store } from "../FakeStore.ts"
import type { Tokens } from "./auth.ts"
import * as Ctx from "./context.ts"
import * as Applications from "./store/applications.ts"
import * as Users from "./store/users.ts"

/** One request as the control API reports it. */
export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly at: number
}

/** What the front needs from the fake. */
export interface Deps {
  readonly store: Store
  readonly tokens: Tokens
  readonly faults: () => Faults.Injector
  readonly now: () => number
  readonly log: (entry: LoggedRequest) => void
  readonly web: (request: Request) => Promise<Response>
  readonly control: (request: Request, url: URL) => Promise<Response>
}

/** The answer "drop the connection" (an outage in `refuse` mode). */
export const DROP = "drop" as const

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const baseHeaders = (): Record<string, string> => ({
  "x-content-type-options": "nosniff",
  "logto-core-request-id": crypto.randomUUID()
})

/** Koa's plain-text status answers. */
export const text = (status: number, body: string, extra: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { ...baseHeaders(), "content-type": "text/plain; charset=utf-8", ...extra } })

/** A JSON answer with Logto's content type. */
export const json = (status: number, body: unknown, extra: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { ...baseHeaders(), "content-type": "application/json; charset=utf-8", ...extra }
  })

/** A path parameter as the inner request carries it; the handlers read the decoded value. */
const innerSegment = (value: string) => (value === "." || value === ".." ? "_" : encodeURIComponent(value))

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Handles one request; `DROP` means the connection should be dropped. */
export const handle = async (deps: Deps, request: Request): Promise<Response | typeof DROP> => {
  const url = new URL(request.url)
  if (url.pathname === "/__orgkit" || url.pathname.startsWith("/__orgkit/")) return deps.control(request, url)
  const matched = RouteTable.match(request.method, url.pathname)
  const operation = url.pathname === "/oidc/token" ? "token" : matched._tag === "Route" ? matched.route.operationId : ""
  const injector = deps.faults()
  const decision = injector.active ? injector.decide(operation) : undefined
  if (decision !== undefined && decision.latencyMs > 0) await sleep(decision.latencyMs)
  const outcome = decision?.outcome
  let response: Response | typeof DROP
  if (outcome?._tag === "Drop") response = DROP
  else if (outcome?._tag === "Respond") response = text(outcome.status, outcome.body, outcome.headers)
  else if (operation === "token") response = await deps.tokens.tokenEndpoint(request)
  else response = await route(deps, request, url, matched)
  if (response !== DROP && response.body !== null && request.method.toUpperCase() === "HEAD")
    response = await headOf(response)
  deps.log({
    method: request.method,
    path: url.pathname,
    status: response === DROP ? 0 : response.status,
    at: deps.now()
  })
  return response
}

/** A HEAD answer: the same status and headers, `Content-Length` of the body, no body. */
const headOf = async (response: Response): Promise<Response> => {
  const length = (await response.arrayBuffer()).byteLength
  const headers = new Headers(response.headers)
  headers.set("content-length", String(length))
  return new Response(null, { status: response.status, headers })
}

const route = async (deps: Deps, request: Request, url: URL, matched: RouteTable.Match): Promise<Response> => {
  switch (matched._tag) {
    case "NotFound":
      return text(404, "Not Found")
    case "MethodNotAllowed":
      return text(405, "Method Not Allowed", { allow: matched.allow.join(", ") })
    case "Options":
      return text(200, "", { allow: matched.allow.join(", ") })
  }
  const verdict = deps.tokens.verify(request.headers.get("authorization"))
  if (verdict._tag === "Denied") return json(verdict.status, verdict.body)
  const { route, params } = matched
  // Logto checks membership first on the per-member role routes (core names the member parameter).
  if (route.membershipParam !== undefined) {
    const memberId = params[route.membershipParam]!
    const member =
      route.membershipParam === "userId"
        ? Users.checkMembership(deps.store, params["id"]!, memberId)
        : Applications.checkMembership(deps.store, params["id"]!, memberId)
    if (Result.isFailure(member)) return json(422, bodyOf(member.failure))
  }
  const hasPayload = route.endpoint.payload.size > 0
  const contentType = request.headers.get("content-type")
  // Logto reads a body only for a type its parser knows, up to that type's limit (a plain-text 404 beyond).
  const limit = hasPayload ? Validation.bodyLimit(contentType) : undefined
  let raw = ""
  if (limit !== undefined) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    if (bytes.byteLength > limit) return text(404, "Not Found")
    raw = decoder.decode(bytes)
  }
  // Pagination, body parsing, then query, body and path parameters: Logto's order, from core.
  const validated = Validation.validateRequest(route, {
    params,
    search: url.searchParams,
    contentType,
    text: raw
  })
  if (Result.isFailure(validated)) return json(validated.failure.status, validated.failure.body)
  const valid = validated.success
  const innerPath = route.path.replace(/:(\w+)/g, (_, name: string) => innerSegment(valid.params[name] ?? "_"))
  const query = new URLSearchParams(valid.query as Record<string, string>).toString()
  const inner = new Request(`${url.origin}${innerPath}${query === "" ? "" : `?${query}`}`, {
    method: route.method,
    ...(hasPayload ? { headers: { "content-type": "application/json" }, body: JSON.stringify(valid.payload) } : {})
  })
  Ctx.set(inner, { params: valid.params, pagination: valid.pagination })
  const answer = await deps.web(inner)
  return finish(request, url, route, valid.pagination, answer)
}

const bodyOf = (error: object): unknown => {
  const { code, message, data, details } = error as { code: string; message: string; data?: unknown; details?: string }
  return { code, message, ...(data === undefined ? {} : { data }), ...(details === undefined ? {} : { details }) }
}

/** Gives the handler's answer Logto's HTTP details. */
const finish = async (
  request: Request,
  url: URL,
  route: RouteTable.Route,
  pagination: Validation.Valid["pagination"],
  answer: Response
): Promise<Response> => {
  const status = answer.status
  if (status === 204) return new Response(null, { status, headers: baseHeaders() })
  const type = answer.headers.get("content-type") ?? ""
  const payload = await answer.text()
  const headers: Record<string, string> = {
    ...baseHeaders(),
    "content-type": type.startsWith("text/plain") ? "text/plain; charset=utf-8" : "application/json; charset=utf-8"
  }
  const isHead = request.method.toUpperCase() === "HEAD"
  if (route.method !== "GET" || status !== 200) {
    return isHead
      ? new Response(null, {
          status,
          headers: { ...headers, "content-length": String(encoder.encode(payload).byteLength) }
        })
      : new Response(payload, { status, headers })
  }
  const out = new Headers(headers)
  const total = answer.headers.get(Pagination.totalNumberHeader)
  if (total !== null && pagination._tag === "Page") {
    out.set("total-number", total)
    for (const line of Pagination.linkHeaders(url, pagination, Number(total))) out.append("link", line)
  }
  if (isHead) {
    out.set("content-length", String(encoder.encode(payload).byteLength))
    return new Response(null, { status, headers: out })
  }
  const etag = await Etag.compute(payload)
  out.set("etag", etag)
  if (Etag.isFresh(request.headers, etag)) {
    out.delete("content-type")
    return new Response(null, { status: 304, headers: out })
  }
  return new Response(payload, { status, headers: out })
}
