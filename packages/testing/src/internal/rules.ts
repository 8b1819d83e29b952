/**
 * Logto's request rules in front of each handler of the fake's HttpApi, after authentication and
 * in Logto's order, all from core: the membership check of the per-member role routes, the body
 * parser and its limits, then pagination, query, body and path parameters (`Validation`), each
 * failure answered with Logto's exact body. A request that passes reaches the HttpApi's own
 * decoding with what Logto made of it: the path parameters percent-decoded as Logto does, the
 * query without the pagination keys (which Logto reads in forms a typed schema would refuse) and
 * the body as parsed (a form or `application/csp-report` body is read as JSON).
 */
import { RouteTable, Validation } from "@orgkit/core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { FakeStore } from "../FakeStore.ts"

/**
 * The middleware every endpoint of the fake's HttpApi carries, inside `Authorization`.
 */
export class LogtoRules extends HttpApiMiddleware.Service<LogtoRules>()("@orgkit/testing/LogtoRules") {}

/** A JSON answer (the router middleware gives it Logto's headers). */
export const json = (status: number, body: unknown): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify(body), { status, contentType: "application/json; charset=utf-8" })

/** Koa's plain-text answers. */
export const text = (status: number, body: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { status, contentType: "text/plain; charset=utf-8" })

/** The body of one of core's `LogtoError` classes. */
export const bodyOf = (error: object): unknown => {
  const { code, message, data, details } = error as { code: string; message: string; data?: unknown; details?: string }
  return { code, message, ...(data === undefined ? {} : { data }), ...(details === undefined ? {} : { details }) }
}

const decoder = new TextDecoder()

/**
 * The request as the HttpApi decodes it: the parsed body, as JSON. Core declares every payload as
 * `application/json`, as Logto's OpenAPI does, but Logto also reads forms (through `qs`: dots and
 * brackets nest, repeated keys become arrays) and text. A form encoding declared in core would be
 * decoded by Effect's flat form decoding, not as `qs` reads it. So `Validation.parseBody` parses the
 * body once, Logto's way, and the HttpApi decodes that result.
 */
const parsedView = (
  request: HttpServerRequest.HttpServerRequest,
  payload: unknown
): HttpServerRequest.HttpServerRequest =>
  Object.create(request, {
    headers: { value: { ...request.headers, "content-type": "application/json" } },
    text: { value: Effect.succeed(JSON.stringify(payload)) }
  }) as HttpServerRequest.HttpServerRequest

/** `LogtoRules` over the `FakeStore` service. */
export const layer: Layer.Layer<LogtoRules, never, FakeStore> = Layer.effect(
  LogtoRules,
  Effect.gen(function* () {
    const store = yield* FakeStore
    const checkMembership = (route: RouteTable.Route, params: Readonly<Record<string, string>>) =>
      route.membershipParam === "userId"
        ? store.checkUserMembership(params["id"]!, params["userId"]!)
        : route.membershipParam === "applicationId"
          ? store.checkApplicationMembership(params["id"]!, params["applicationId"]!)
          : Effect.void
    return LogtoRules.of((httpEffect, { endpoint }) =>
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const route = RouteTable.byName.get(endpoint.identifier as RouteTable.Name)!
        const url = new URL(request.url, "http://fake.local")
        const matched = RouteTable.match(route.method, url.pathname)
        const params = matched._tag === "Route" ? matched.params : {}
        const member = yield* Effect.result(checkMembership(route, params))
        if (Result.isFailure(member)) return json(422, bodyOf(member.failure))
        const contentType = request.headers["content-type"] ?? null
        // Logto reads a body only for a type its parser knows, up to that type's limit.
        const limit = route.endpoint.payload.size > 0 ? Validation.bodyLimit(contentType) : undefined
        let raw = ""
        if (limit !== undefined) {
          const bytes = new Uint8Array(yield* Effect.orDie(request.arrayBuffer))
          if (bytes.byteLength > limit) return text(404, "Not Found")
          raw = decoder.decode(bytes)
        }
        const valid = Validation.validateRequest(route, { params, search: url.searchParams, contentType, text: raw })
        if (Result.isFailure(valid)) return json(valid.failure.status, valid.failure.body)
        const routeContext = yield* HttpRouter.RouteContext
        const query = Validation.queryRecord(url.searchParams)
        // Core's `Page`/`PageSize` are the documented contract: OpenAPI integers, what the client
        // sends. Logto reads any number whose offset is whole (`page=1.5&page_size=2`). That reading
        // is `Pagination.parse`, judged above and read again by the handlers (`pagingOf`). Typed
        // decoding would refuse such a page, so it does not see the two keys.
        delete query["page"]
        delete query["page_size"]
        return yield* httpEffect.pipe(
          Effect.provideService(HttpRouter.RouteContext, { ...routeContext, params }),
          Effect.provideService(HttpServerRequest.ParsedSearchParams, query),
          Effect.provideService(
            HttpServerRequest.HttpServerRequest,
            route.endpoint.payload.size > 0 ? parsedView(request, valid.success.payload) : request
          )
        )
      })
    )
  })
)
