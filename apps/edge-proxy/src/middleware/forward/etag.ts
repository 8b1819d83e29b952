/** Logto's ETags (koa-etag over the JSON body) and its freshness check, for answers the proxy builds. */

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** `"<length in hex>-<first 27 characters of the base64 SHA-1>"`, as Logto computes it. */
export const computeEtag = async (
  body: Uint8Array,
  digest: (algorithm: "SHA-1", data: Uint8Array) => Promise<Uint8Array>
): Promise<string> => `"${body.byteLength.toString(16)}-${base64(await digest("SHA-1", body)).slice(0, 27)}"`

const noCache = /(?:^|,)\s*?no-cache\s*?(?:,|$)/

/**
 * Whether a GET with these headers gets a 304 for `etag`, as Koa decides: `If-None-Match` is `*` or
 * lists the tag (weak comparison), and the request has no `Cache-Control: no-cache`.
 */
export const isFresh = (headers: Headers, etag: string): boolean =>
  freshFor(headers.get("if-none-match") ?? undefined, headers.get("cache-control") ?? undefined, etag)

/** `isFresh` over the raw header values (the Node hit path has no `Headers`). */
export const freshFor = (noneMatch: string | undefined, cacheControl: string | undefined, etag: string): boolean => {
  if (noneMatch === undefined || noneMatch === "") return false
  if (cacheControl !== undefined && noCache.test(cacheControl)) return false
  if (noneMatch.trim() === "*") return true
  return noneMatch
    .split(",")
    .map((tag) => tag.trim())
    .some((tag) => tag === etag || tag === `W/${etag}` || `W/${tag}` === etag)
}
