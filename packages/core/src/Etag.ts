/**
 * Logto's `ETag` on GET answers (koa-etag over the JSON body) and Koa's freshness check, which
 * decides between 200 and 304 (spec §2.16). The fake computes and checks them, the proxy checks
 * them for answers it serves from its cache or builds itself.
 *
 * @since 0.1.0
 */

const encoder = new TextEncoder()

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return btoa(binary)
}

/**
 * Logto's strong ETag of a body: `"<byte length in hex>-<first 27 characters of the base64
 * SHA-1>"`, computed with WebCrypto.
 *
 * @category constructors
 * @since 0.1.0
 */
export const compute = async (body: string | Uint8Array): Promise<string> => {
  const bytes = typeof body === "string" ? encoder.encode(body) : body
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes as Uint8Array<ArrayBuffer>))
  return `"${bytes.byteLength.toString(16)}-${base64(digest).slice(0, 27)}"`
}

/**
 * The request headers Koa's freshness check reads, as raw values (`undefined` or `null` when
 * absent).
 *
 * @category models
 * @since 0.1.0
 */
export interface Validators {
  readonly ifNoneMatch: string | null | undefined
  readonly ifModifiedSince: string | null | undefined
  readonly cacheControl: string | null | undefined
}

const noCache = /(?:^|,)\s*?no-cache\s*?(?:,|$)/
const spaces = /^ +| +$/g

/**
 * Koa's `ctx.fresh` for an answer carrying `etag` and no `Last-Modified` (Logto never sends one):
 * `Cache-Control: no-cache` makes it stale; `If-None-Match` must be `*` or list the tag (weak
 * comparison: `W/` on either side; exactly `*` matches anything); an `If-Modified-Since` makes it stale, since there is no
 * `Last-Modified` to compare with. Without `If-None-Match` nothing is fresh.
 *
 * @category predicates
 * @since 0.1.0
 */
export const fresh = (validators: Validators, etag: string): boolean => {
  const noneMatch = validators.ifNoneMatch
  if (noneMatch === undefined || noneMatch === null || noneMatch === "") return false
  const cacheControl = validators.cacheControl
  if (cacheControl !== undefined && cacheControl !== null && noCache.test(cacheControl)) return false
  if (noneMatch !== "*") {
    let matched = false
    // Koa's token list: comma-separated, spaces (only spaces) around each token dropped.
    for (const raw of noneMatch.split(",")) {
      const tag = raw.replace(spaces, "")
      if (tag === etag || tag === `W/${etag}` || `W/${tag}` === etag) {
        matched = true
        break
      }
    }
    if (!matched) return false
  }
  const modifiedSince = validators.ifModifiedSince
  return modifiedSince === undefined || modifiedSince === null || modifiedSince === ""
}

/**
 * `fresh` over a request's `Headers`.
 *
 * @category predicates
 * @since 0.1.0
 */
export const isFresh = (headers: Headers, etag: string): boolean =>
  fresh(
    {
      ifNoneMatch: headers.get("if-none-match"),
      ifModifiedSince: headers.get("if-modified-since"),
      cacheControl: headers.get("cache-control")
    },
    etag
  )
