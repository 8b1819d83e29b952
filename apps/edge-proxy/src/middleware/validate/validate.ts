import { Validation } from "@orgkit/core"
import * as Result from "effect/Result"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { logtoError } from "../../errors.ts"
import { rawQuery } from "../../internal/url.ts"
import { requestTarget } from "../../cache/keys.ts"
import { readBody } from "./read-body.ts"

/** Options of `validate`. */
export interface ValidateOptions {
  /** The largest body accepted, in bytes. Default: Logto's 1 MiB (`Validation.maxBodyBytes`). */
  readonly maxBodyBytes?: number
}

const decoder = new TextDecoder()

/** How many validated bodiless requests `validate` remembers (see below). */
export const rememberedRequests = 1_024

/**
 * Validates the matched request at the edge with core's `Validation` (Logto's body parser, then
 * pagination, the query, the body and the path parameters, in Logto's order) and answers a failure
 * with Logto's exact body: 400 `guard.invalid_input` (with `data` and `details`), 400
 * `guard.invalid_pagination`, the `{ message }` 400 for malformed JSON, 422 `entity.invalid_input`
 * (a fractional offset or page size, an UpdateOrganization with nothing to update). Where Logto
 * answers a caller's mistake with a 500, the proxy answers core's `callerError` 400 instead. Bodies
 * over the limit (the configured one, or Logto's own for the content type: 56 KiB for forms and
 * text) get 413 `proxy.payload_too_large`. Nothing rejected is forwarded.
 *
 * The per-member role routes are the exception: Logto checks membership before anything else, and
 * the proxy cannot know membership, so a request failing validation there goes to Logto, which
 * answers it (422 for a non-member, its own 400 for a member); should Logto answer such a request
 * with a 500, the caller gets the 400 instead. Never stricter than Logto.
 *
 * Only operations with a body read one (Logto ignores bodies on GET and DELETE); the raw bytes are
 * kept for `forward`, so Logto parses exactly what the caller sent. For those without a body, the
 * outcome depends on the method and the request target alone (the route and its parameters come
 * from the path, the rest from the query), so the last `rememberedRequests` successes are kept by
 * method and target (up to 2 KiB): a repeated GET skips the decoding.
 *
 * @param options.maxBodyBytes the body limit (default 1 MiB)
 * @example
 * app.use(matchRoute(), authenticate({ keys }), validate())
 */
export const validate = (options: ValidateOptions = {}): MiddlewareHandler<AppEnv> => {
  const limit = options.maxBodyBytes ?? Validation.maxBodyBytes
  const remembered = new Map<string, Validation.Valid>()
  return async (c, next) => {
    const route = c.get("route")
    const bodiless = route.endpoint.payload.size === 0
    const target = bodiless ? requestTarget(c.req.url) : ""
    const memo = bodiless && target.length <= 2_048 ? `${c.req.method} ${target}` : undefined
    if (memo !== undefined) {
      const known = remembered.get(memo)
      if (known !== undefined) {
        c.set("body", undefined)
        c.set("valid", known)
        return next()
      }
    }
    const contentType = c.req.header("content-type")
    const bytes = !bodiless
      ? await readBody(c.req.raw, Math.min(limit, Validation.bodyLimit(contentType) ?? limit))
      : undefined
    const result = Validation.validateRequest(route, {
      params: c.get("params"),
      search: new URLSearchParams(rawQuery(c.req.url)),
      contentType,
      text: bytes === undefined ? "" : decoder.decode(bytes)
    })
    c.set("body", bytes)
    if (Result.isSuccess(result)) {
      if (memo !== undefined) {
        if (remembered.size >= rememberedRequests) remembered.delete(remembered.keys().next().value!)
        remembered.set(memo, result.success)
      }
      c.set("valid", result.success)
      return next()
    }
    const rejection = Validation.forCaller(result.failure)
    if (route.membershipParam === undefined) return logtoError(c, rejection.status, rejection.body)
    await next()
    if (c.res.status >= 500 && c.get("upstream")?.status === c.res.status) {
      c.res = logtoError(c, rejection.status, rejection.body)
    }
  }
}
