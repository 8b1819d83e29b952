import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"

/** Options of `requestId`. */
export interface RequestIdOptions {
  /** Makes a new id when the caller sent none (or an unusable one). */
  readonly generate: () => string
  /** The header to read and answer with. Default `x-request-id`. */
  readonly header?: string
}

/** A caller's request id that is kept: printable ASCII without spaces, bounded (it goes into log lines and headers). */
export const usableRequestId = /^[\x21-\x7e]{1,200}$/

/**
 * Takes the caller's request id (`x-request-id`) or generates one, stores it as `requestId` and
 * sends it back on every response, errors included.
 *
 * @param options.generate makes a new id
 * @param options.header the header name (default `x-request-id`)
 * @example
 * app.use(requestId({ generate: () => crypto.randomUUID() }))
 */
export const requestId = (options: RequestIdOptions): MiddlewareHandler<AppEnv> => {
  const header = options.header ?? "x-request-id"
  return async (c, next) => {
    const given = c.req.header(header)
    const id = given !== undefined && usableRequestId.test(given) ? given : options.generate()
    c.set("requestId", id)
    await next()
    c.res.headers.set(header, id)
  }
}
