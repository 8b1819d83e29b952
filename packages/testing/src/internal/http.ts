/**
 * Logto's HTTP details around the fake's HttpApi, as one router middleware built on core's rules:
 * unknown paths (404), wrong methods (405 with `Allow`) and `OPTIONS` answered before anything
 * else (`RouteTable.match`); HEAD answered by the GET route without a body; on GET answers the
 * `ETag` and Koa's freshness check (304, `Etag`), `Total-Number` and the `Link` lines of a page
 * (`Pagination`); Logto's content types and its two response headers on every answer.
 */
import { Etag, Pagination, RouteTable } from "@orgkit/core"
import * as Effect from "effect/Effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { HttpServerError } from "effect/http"
import { text } from "./rules.ts"

const encoder = new TextEncoder()

/** The two headers of Logto's own on every answer. */
export const baseHeaders = (): Record<string, string> => ({
  "x-content-type-options": "nosniff",
  "logto-core-request-id": crypto.randomUUID()
})

/** The request's URL with the origin the caller used (it appears in `Link` lines). */
const urlOf = (request: HttpServerRequest.HttpServerRequest): URL =>
  request.source instanceof Request ? new URL(request.source.url) : new URL(request.url, "http://logto.fake")

const bodyBytes = (response: HttpServerResponse.HttpServerResponse): Uint8Array =>
  response.body._tag === "Uint8Array"
    ? response.body.body
    : response.body._tag === "Raw" && typeof response.body.body === "string"
      ? encoder.encode(response.body.body)
      : new Uint8Array(0)

/** Gives an answer of the HttpApi Logto's HTTP details. */
const finish = (
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  route: RouteTable.Route,
  answer: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function* () {
    const status = answer.status
    if (status === 204) return HttpServerResponse.empty({ status, headers: baseHeaders() })
    const bytes = bodyBytes(answer)
    const type = answer.headers["content-type"] ?? (answer.body._tag === "Uint8Array" ? answer.body.contentType : "")
    const headers: Record<string, string> = {
      ...baseHeaders(),
      "content-type": type.startsWith("text/plain") ? "text/plain; charset=utf-8" : "application/json; charset=utf-8"
    }
    const isHead = request.method.toUpperCase() === "HEAD"
    if (route.method !== "GET" || status !== 200)
      return isHead ? headOf(status, headers, bytes) : HttpServerResponse.uint8Array(bytes, { status, headers })
    // A page: `Total-Number` and the `Link` lines, on 200, 304 and HEAD alike.
    let links: ReadonlyArray<string> = []
    const total = answer.headers[Pagination.totalNumberHeader]
    const pagination = Pagination.parse(url.searchParams, route.pagination)
    if (total !== undefined && pagination._tag === "Page") {
      headers["total-number"] = total
      links = Pagination.linkHeaders(url, pagination, Number(total))
    }
    // HEAD gets no ETag, so never a 304.
    if (isHead) return withLinks(headOf(status, headers, bytes), links)
    const etag = yield* Effect.promise(() => Etag.compute(bytes))
    const validators = {
      ifNoneMatch: request.headers["if-none-match"],
      ifModifiedSince: request.headers["if-modified-since"],
      cacheControl: request.headers["cache-control"]
    }
    if (Etag.fresh(validators, etag)) return notModified(headers, etag, links)
    return withLinks(HttpServerResponse.uint8Array(bytes, { status, headers: { ...headers, etag } }), links)
  })

const headOf = (status: number, headers: Record<string, string>, bytes: Uint8Array) =>
  HttpServerResponse.empty({ status, headers: { ...headers, "content-length": String(bytes.byteLength) } })

const notModified = (headers: Record<string, string>, etag: string, links: ReadonlyArray<string>) => {
  const { "content-type": _type, ...rest } = headers
  return withLinks(HttpServerResponse.empty({ status: 304, headers: { ...rest, etag } }), links)
}

const withLinks = (response: HttpServerResponse.HttpServerResponse, links: ReadonlyArray<string>) =>
  links.length === 0 ? response : HttpServerResponse.setHeader(response, "link", links.join(", "))

/** A plain-text answer with Logto's headers. */
const plain = (status: number, body: string, extra: Record<string, string> = {}) =>
  HttpServerResponse.setHeaders(text(status, body), { ...baseHeaders(), ...extra })

/** Whether the router can decode the path: Logto keeps an invalid escape verbatim, the router refuses it. */
const routable = (url: URL): boolean => {
  try {
    decodeURIComponent(url.pathname)
    return true
  } catch {
    return false
  }
}

/** Routes a path the router cannot decode by its parameters as Logto decoded them, re-encoded. */
const reroute = <A, E, R>(
  app: Effect.Effect<A, E, R>,
  request: HttpServerRequest.HttpServerRequest,
  route: RouteTable.Route,
  params: Readonly<Record<string, string>>,
  url: URL
) =>
  Effect.provideService(
    app,
    HttpServerRequest.HttpServerRequest,
    request.modify({ url: `${RouteTable.buildPath(route, params)}${url.search}` })
  )

/**
 * The router middleware: Logto's routing answers first, then the HttpApi (authentication, Logto's
 * request rules, the handler), then Logto's HTTP details on the answer.
 */
export const middleware = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E | HttpServerError.HttpServerError, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E | HttpServerError.HttpServerError,
  R | HttpServerRequest.HttpServerRequest
> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = urlOf(request)
    const matched = RouteTable.match(request.method, url.pathname)
    switch (matched._tag) {
      case "NotFound":
        return plain(404, "Not Found")
      case "MethodNotAllowed":
        return plain(405, "Method Not Allowed", { allow: matched.allow.join(", ") })
      case "Options":
        return plain(200, "", { allow: matched.allow.join(", ") })
    }
    const answer = yield* routable(url) ? app : reroute(app, request, matched.route, matched.params, url)
    return yield* finish(request, url, matched.route, answer)
  })
