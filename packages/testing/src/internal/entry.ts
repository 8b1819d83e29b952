/**
 * What the fake does before its HttpApi sees a request, none of it Logto's API: the request log and
 * fault injection, the token endpoint and the control API. Everything else goes to the HttpApi.
 */
import { RouteTable } from "@orgkit/core"
import type * as Faults from "../Faults.ts"
import type { Tokens } from "./auth.ts"
import { baseHeaders } from "./http.ts"

/** One request as the control API reports it. */
export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly at: number
}

/** What the entry needs from the fake. */
export interface Deps {
  readonly tokens: Tokens
  readonly faults: () => Faults.Injector
  readonly now: () => number
  readonly log: (entry: LoggedRequest) => void
  readonly web: (request: Request) => Promise<Response>
  readonly control: (request: Request, url: URL) => Promise<Response>
}

/** The answer "drop the connection" (an outage in `refuse` mode). */
export const DROP = "drop" as const

/** Koa's plain-text status answers. */
export const text = (status: number, body: string, extra: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { ...baseHeaders(), "content-type": "text/plain; charset=utf-8", ...extra } })

/** A JSON answer with Logto's content type. */
export const json = (status: number, body: unknown, extra: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { ...baseHeaders(), "content-type": "application/json; charset=utf-8", ...extra }
  })

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A HEAD answer: the same status and headers, `Content-Length` of the body, no body. */
const headOf = async (response: Response): Promise<Response> => {
  const length = (await response.arrayBuffer()).byteLength
  const headers = new Headers(response.headers)
  headers.set("content-length", String(length))
  return new Response(null, { status: response.status, headers })
}

const operationOf = (method: string, url: URL): string => {
  const matched = RouteTable.match(method, url.pathname)
  return matched._tag === "Route" ? matched.route.operationId : ""
}

/** Handles one request; `DROP` means the connection should be dropped. */
export const handle = async (deps: Deps, request: Request): Promise<Response | typeof DROP> => {
  const url = new URL(request.url)
  if (url.pathname === "/__orgkit" || url.pathname.startsWith("/__orgkit/")) return deps.control(request, url)
  const isToken = url.pathname === "/oidc/token"
  const injector = deps.faults()
  // Faults name operations; the route is looked up only when a fault could apply.
  const decision = injector.active ? injector.decide(isToken ? "token" : operationOf(request.method, url)) : undefined
  if (decision !== undefined && decision.latencyMs > 0) await sleep(decision.latencyMs)
  const outcome = decision?.outcome
  let response: Response | typeof DROP
  if (outcome?._tag === "Drop") response = DROP
  else if (outcome?._tag === "Respond") response = text(outcome.status, outcome.body, outcome.headers)
  else if (isToken) response = await deps.tokens.tokenEndpoint(request)
  else response = await deps.web(request)
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
