import { LogtoError, type RouteTable, Validation } from "@orgkit/core"
import * as Result from "effect/Result"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { logtoError } from "../../errors.ts"
import { rawQuery } from "../../internal/url.ts"
import { readBody } from "./read-body.ts"

/** Options of `validate`. */
export interface ValidateOptions {
  /** The largest body accepted, in bytes. Default: Logto's 1 MiB (`Validation.maxBodyBytes`). */
  readonly maxBodyBytes?: number
}

const decoder = new TextDecoder()

// PostgreSQL's timestamp range in epoch milliseconds (4714-11-24 BC to 294277-01-01 AD, exclusive):
// outside it Logto's PATCH fails with a 500 whichever way it converts the number.
const minTimestamp = -210_866_803_200_000
const endTimestamp = 9_225_264_700_800_000

/**
 * An UpdateOrganization `createdAt` outside the database's timestamp range: Logto answers it with a
 * 500; the proxy answers 400 `guard.invalid_input` at `createdAt` instead.
 */
const createdAtOutOfRange = (route: RouteTable.Route, valid: Validation.Valid): Validation.Rejection | undefined => {
  if (route.operationId !== "UpdateOrganization") return undefined
  const createdAt = (valid.payload as { readonly createdAt?: number } | undefined)?.createdAt
  if (createdAt === undefined) return undefined
  if (createdAt < minTimestamp) {
    return Validation.invalidInput("body", [
      {
        code: "too_small",
        minimum: minTimestamp,
        type: "number",
        inclusive: true,
        exact: false,
        path: ["createdAt"],
        message: `Number must be greater than or equal to ${minTimestamp}`
      }
    ])
  }
  if (createdAt >= endTimestamp) {
    return Validation.invalidInput("body", [
      {
        code: "too_big",
        maximum: endTimestamp,
        type: "number",
        inclusive: false,
        exact: false,
        path: ["createdAt"],
        message: `Number must be less than ${endTimestamp}`
      }
    ])
  }
  return undefined
}

/** Core's only 500 is Logto's for a negative offset (`page=0.5`): the proxy answers 400 instead. */
const cleaned = (rejection: Validation.Rejection): Validation.Rejection =>
  rejection.status === 500 ? { status: 400, body: LogtoError.body(LogtoError.codes.invalidPagination) } : rejection

/**
 * Validates the matched request at the edge with core's `Validation` (Logto's body parser quirks,
 * pagination, then query, body and path parameters, in Logto's order) and answers a failure with
 * Logto's exact body: 400 `guard.invalid_input` (with `data` and `details`), 400
 * `guard.invalid_pagination`, the `{ message }` 400 for malformed JSON, 422 `entity.invalid_input`
 * for a fractional `page_size`. Bodies over the limit get 413 `proxy.payload_too_large`. Where Logto
 * would answer a caller's mistake with a 500, the proxy answers 400. Nothing rejected is forwarded.
 *
 * Only operations with a body read one (Logto ignores bodies on GET and DELETE); the raw bytes are
 * kept for `forward`, so Logto parses exactly what the caller sent.
 *
 * @param options.maxBodyBytes the body limit (default 1 MiB)
 * @example
 * app.use(matchRoute(), authenticate({ keys }), validate())
 */
export const validate = (options: ValidateOptions = {}): MiddlewareHandler<AppEnv> => {
  const limit = options.maxBodyBytes ?? Validation.maxBodyBytes
  return async (c, next) => {
    const route = c.get("route")
    const bytes = route.endpoint.payload.size > 0 ? await readBody(c.req.raw, limit) : undefined
    // Core applies Logto's whole order: pagination, body parsing, then query, body and path.
    const result = Validation.validateRequest(route, {
      params: c.get("params"),
      search: new URLSearchParams(rawQuery(c.req.url)),
      contentType: c.req.header("content-type"),
      text: bytes === undefined ? "" : decoder.decode(bytes)
    })
    if (Result.isFailure(result)) {
      const rejection = cleaned(result.failure)
      return logtoError(c, rejection.status, rejection.body)
    }
    const outOfRange = createdAtOutOfRange(route, result.success)
    if (outOfRange !== undefined) return logtoError(c, outOfRange.status, outOfRange.body)
    c.set("valid", result.success)
    c.set("body", bytes)
    return next()
  }
}
