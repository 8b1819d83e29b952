/** Cheap request-URL helpers for the hot path (no `new URL` per request). */

/** The raw (still percent-encoded) path of an absolute URL. */
export const rawPath = (url: string): string => {
  const start = url.indexOf("/", url.indexOf("://") + 3)
  if (start === -1) return "/"
  const query = url.indexOf("?", start)
  const hash = url.indexOf("#", start)
  const end = query === -1 ? (hash === -1 ? url.length : hash) : query
  return url.slice(start, end)
}

/** The raw query string of an absolute URL, without `?` (empty when there is none). */
export const rawQuery = (url: string): string => {
  const query = url.indexOf("?")
  if (query === -1) return ""
  const hash = url.indexOf("#", query)
  return url.slice(query + 1, hash === -1 ? url.length : hash)
}

/** The origin (`scheme://host[:port]`) of an absolute URL. */
export const origin = (url: string): string => {
  const start = url.indexOf("/", url.indexOf("://") + 3)
  return start === -1 ? url : url.slice(0, start)
}
