/**
 * Logto's pagination: the `page`/`page_size` query, the `Total-Number` header, and the exact rules
 * Logto applies to raw query strings (shared by the fake and the proxy, so both answer as Logto does).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import * as LogtoError from "./LogtoError.ts"

/**
 * `page`: 1-based page number. Sent as a decimal string.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Page = Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)).annotate({
  description: "Page number (starts from 1)."
})

/**
 * `page_size`: entries per page, 1 to 100.
 *
 * @category schemas
 * @since 0.1.0
 */
export const PageSize = Schema.NumberFromString.check(
  Schema.isInt(),
  Schema.isBetween({ minimum: 1, maximum: 100 })
).annotate({ description: "Entries per page." })

/**
 * The two pagination query keys, both optional.
 *
 * @category schemas
 * @since 0.1.0
 */
export const PaginationQuery = {
  page: Schema.optionalKey(Page),
  page_size: Schema.optionalKey(PageSize)
}

/**
 * The response header carrying the total number of matches: lowercase, as HTTP/2 and Effect's
 * header decoding want it.
 *
 * @category constructors
 * @since 0.1.0
 */
export const totalNumberHeader = "total-number"

/**
 * The default page size when paginating.
 *
 * @category constructors
 * @since 0.1.0
 */
export const defaultPageSize = 20

/**
 * How a list paginates: always (default 20), only when `page` or `page_size` is sent, or never.
 *
 * @category models
 * @since 0.1.0
 */
export type Mode = "mandatory" | "optional" | "none"

/**
 * What Logto makes of a request's pagination query.
 *
 * @category models
 * @since 0.1.0
 */
export type Parsed =
  | { readonly _tag: "Off" }
  | { readonly _tag: "Page"; readonly page: number; readonly pageSize: number; readonly offset: number }
  | {
      readonly _tag: "Invalid"
      readonly status: 400 | 422 | 500
      readonly body: LogtoError.LogtoErrorBody | { readonly message: string }
    }

const invalid = (status: 400 | 422, code: string): Parsed => ({ _tag: "Invalid", status, body: LogtoError.body(code) })

const single = (search: URLSearchParams, key: string): string | undefined | null => {
  const all = search.getAll(key)
  if (all.length > 1) return null
  return all[0] === "" ? undefined : all[0]
}

/**
 * Applies Logto's pagination rules to a raw query: values go through `Number()` (so `1e1`, `0x10`
 * and ` 2` are accepted), an empty value counts as absent, a repeated key or a value that is not
 * positive or a `page_size` over 100 is 400 `guard.invalid_pagination`; a `page_size` or an offset
 * `(page − 1) × page_size` that is not a whole number (`page_size=2.5`, `page=1.5&page_size=1`,
 * `page=Infinity`) is 422 `entity.invalid_input`; a negative offset (`page=0.5`) is Logto's 500.
 *
 * @category constructors
 * @since 0.1.0
 */
export const parse = (search: URLSearchParams, mode: Mode): Parsed => {
  if (mode === "none") return { _tag: "Off" }
  const rawPage = single(search, "page")
  const rawSize = single(search, "page_size")
  if (rawPage === null || rawSize === null) return invalid(400, LogtoError.codes.invalidPagination)
  if (mode === "optional" && rawPage === undefined && rawSize === undefined) return { _tag: "Off" }
  const page = rawPage === undefined ? 1 : Number(rawPage)
  const pageSize = rawSize === undefined ? defaultPageSize : Number(rawSize)
  if (!(page > 0) || !(pageSize > 0) || pageSize > 100) return invalid(400, LogtoError.codes.invalidPagination)
  // Logto hands `(page − 1) × page_size` and `page_size` to SQL as they are: PostgreSQL refuses a
  // value that is not a whole number (422), then a negative offset (500). Nothing is rounded.
  const offset = (page - 1) * pageSize
  if (!Number.isInteger(pageSize) || !Number.isInteger(offset)) return invalid(422, LogtoError.codes.entityInvalidInput)
  if (offset < 0) return { _tag: "Invalid", status: 500, body: { message: "Internal server error." } }
  return { _tag: "Page", page, pageSize, offset }
}

/**
 * Logto's `Link` header lines for a page: `first`, `prev` (page > 1), `last`, `next` (page < last),
 * each URL being the request origin and path without `/api`, with `page` replaced in place.
 *
 * @category constructors
 * @since 0.1.0
 */
export const linkHeaders = (
  url: URL,
  page: { readonly offset: number; readonly pageSize: number },
  total: number
): Array<string> => {
  const current = Math.floor(page.offset / page.pageSize) + 1
  const last = Math.max(1, Math.ceil(total / page.pageSize))
  const path = url.pathname.replace(/^\/api(?=\/)/, "")
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams()
    let placed = false
    for (const key of new Set(url.searchParams.keys())) {
      if (key === "page") {
        query.append("page", String(n))
        placed = true
      } else query.append(key, url.searchParams.getAll(key).join(","))
    }
    if (!placed) query.append("page", String(n))
    return `<${url.origin}${path}?${query.toString()}>; rel="${rel}"`
  }
  const lines = [link(1, "first")]
  if (current > 1) lines.push(link(current - 1, "prev"))
  lines.push(link(last, "last"))
  if (current < last) lines.push(link(current + 1, "next"))
  return lines
}

/**
 * The endpoint annotation that says how a list paginates; `RouteTable` reads it back.
 *
 * @category models
 * @since 0.1.0
 */
export class PaginationMode extends Context.Service<PaginationMode, Mode>()("@orgkit/core/Pagination/PaginationMode") {}
