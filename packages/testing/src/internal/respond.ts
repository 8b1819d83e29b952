/**
 * Turning store results into handler effects: Logto's errors fail the handler (the HttpApi
 * encodes them), Logto's bodiless 500 becomes a raw response, lists carry `Total-Number`.
 */
import * as Effect from "effect/Effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { HttpApiSchema } from "effect/http-api"
import { Pagination } from "@orgkit/core"
import type { Page, Paging } from "../FakeStore.ts"
import { InternalError } from "./errors.ts"

/** Logto's 500 body, without a code. */
export const internalServerError = (): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(JSON.stringify({ message: "Internal server error." }), {
    status: 500,
    contentType: "application/json; charset=utf-8"
  })

/** Maps a store operation's success with `f`; Logto's bodiless 500 becomes a raw response. */
export const respond = <A, E, B>(
  operation: Effect.Effect<A, E>,
  f: (a: A) => B
): Effect.Effect<B | HttpServerResponse.HttpServerResponse, Exclude<E, InternalError>> =>
  operation.pipe(
    Effect.map(f),
    Effect.catchIf(
      (error): error is Extract<E, InternalError> => error instanceof InternalError,
      () => Effect.succeed(internalServerError())
    )
  ) as Effect.Effect<B | HttpServerResponse.HttpServerResponse, Exclude<E, InternalError>>

/** The plain-text `Created` of the six 201s without JSON. */
export const created = (): string => "Created"

/** A list with the mandatory `Total-Number`. */
export const paginated = <A>(page: Page<A>) =>
  HttpApiSchema.withHeaders({ body: page.items, headers: { "total-number": page.total ?? page.items.length } })

/** A list with `Total-Number` only when pagination was asked for. */
export const optionallyPaginated = <A>(page: Page<A>) =>
  HttpApiSchema.withHeaders({
    body: page.items,
    headers: page.total === undefined ? {} : { "total-number": page.total }
  })

/** Logto's pagination of a list request (core's rules over the raw query, already validated). */
export const pagingOf = (request: HttpServerRequest.HttpServerRequest, mode: Pagination.Mode): Paging => {
  const parsed = Pagination.parse(new URL(request.url, "http://logto.fake").searchParams, mode)
  return parsed._tag === "Page" ? { _tag: "Page", offset: parsed.offset, pageSize: parsed.pageSize } : { _tag: "Off" }
}
