/**
 * Turning store results into handler effects: Logto's errors fail the handler (the HttpApi
 * encodes them), Logto's bodiless 500 becomes a raw response, lists carry `Total-Number`.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
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

/** Runs a store call per request and maps its success with `f`. */
export const respond = <A, E, B>(
  run: () => Result.Result<A, E>,
  f: (a: A) => B
): Effect.Effect<B | HttpServerResponse.HttpServerResponse, Exclude<E, InternalError>> =>
  Effect.suspend((): Effect.Effect<B | HttpServerResponse.HttpServerResponse, Exclude<E, InternalError>> => {
    const result = run()
    if (Result.isSuccess(result)) return Effect.succeed(f(result.success))
    return result.failure instanceof InternalError
      ? Effect.succeed(internalServerError())
      : Effect.fail(result.failure as Exclude<E, InternalError>)
  })

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
