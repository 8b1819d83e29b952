import { RouteTable } from "@orgkit/core"
import type { MiddlewareHandler } from "hono"
import type { AppEnv } from "../../env.ts"
import { rawPath } from "../../internal/url.ts"

const text = { "content-type": "text/plain; charset=utf-8" }

/**
 * Matches the request against the 36 operations with core's `RouteTable.match` and answers
 * everything else exactly as Logto does, before authentication and without any upstream call:
 * 404 `Not Found` for an unknown path, 405 `Method Not Allowed` with `Allow` for another method on
 * a known path, 200 with `Allow` for OPTIONS. A match stores `route` and the decoded `params`.
 *
 * @example
 * app.use(matchRoute())
 */
export const matchRoute = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const match = RouteTable.match(c.req.method, rawPath(c.req.url))
  switch (match._tag) {
    case "Route":
      c.set("route", match.route)
      c.set("params", match.params)
      return next()
    case "NotFound":
      return c.body("Not Found", 404, text)
    case "MethodNotAllowed":
      return c.body("Method Not Allowed", 405, { ...text, allow: match.allow.join(", ") })
    case "Options":
      return c.body("", 200, { ...text, allow: match.allow.join(", ") })
  }
}
