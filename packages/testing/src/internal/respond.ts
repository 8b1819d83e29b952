/**
 * Turning store results into handler effects: Logto's errors fail the handler (the HttpApi
 * encodes them), Logto's bodiless 500 becomes a raw response, lists carry `Total-Number`.
 */
import * as Effect from "effect/Effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { HttpApiSchema } from "effect/http-api"
import type { Pagination } from "@orgkit/core"
import type { Page, Paging } from "../FakeStore.ts"
import * as Ctx from "./context.ts"
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

/** The path parameters the front decoded (Logto's percent-decoding), or the HttpApi's. */
export const paramsOf = <P extends Readonly<Record<string, string>>>(
  request: HttpServerRequest.HttpServerRequest,
  params: P
): P => (Ctx.get(request.source)?.params as P | undefined) ?? params

/** The pagination the front parsed with Logto's rules, or one derived from the typed query. */
export const pagingOf = (
  request: HttpServerRequest.HttpServerRequest,
  mode: Pagination.Mode,
  query: { readonly page?: number | undefined; readonly page_size?: number | undefined }
): Paging => Ctx.get(request.source)?.pagination ?? Ctx.fallbackPagination(mode, query)
