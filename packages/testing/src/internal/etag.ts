/**
 * Logto's `ETag` (koa-etag over the JSON body) and Koa's freshness check for `If-None-Match`.
 */

const encoder = new TextEncoder()

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!)
  return btoa(binary)
}

/** `"<byte length in hex>-<first 27 characters of the base64 SHA-1>"`, computed with WebCrypto. */
export const compute = async (body: string | Uint8Array): Promise<string> => {
  const bytes = typeof body === "string" ? encoder.encode(body) : body
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes as Uint8Array<ArrayBuffer>))
  return `"${bytes.byteLength.toString(16)}-${base64(digest).slice(0, 27)}"`
}

/**
 * Koa's `ctx.fresh` for a response carrying `etag` and no `Last-Modified`: `Cache-Control:
 * no-cache` disables it, `*` matches, a list matches when one member equals the ETag with or
 * without `W/`; an `If-Modified-Since` sent alongside makes it stale (there is no `Last-Modified`).
 */
export const isFresh = (headers: Headers, etag: string): boolean => {
  const noneMatch = headers.get("if-none-match")
  if (noneMatch === null || noneMatch === "") return false
  const cacheControl = headers.get("cache-control")
  if (cacheControl !== null && /(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(cacheControl)) return false
  if (noneMatch.trim() !== "*") {
    let matched = false
    for (const raw of noneMatch.split(",")) {
      const token = raw.trim()
      if (token === etag || token === `W/${etag}` || `W/${token}` === etag) {
        matched = true
        break
      }
    }
    if (!matched) return false
  }
  // Koa reads an empty `If-Modified-Since` as absent.
  const modifiedSince = headers.get("if-modified-since")
  return modifiedSince === null || modifiedSince === ""
}
