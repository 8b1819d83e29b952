/**
 * The consistency token of the near tier (Workers, `ORGKIT_CACHE_MODE=near`, see
 * `workers/near.ts`): a write's answer carries it, a caller sends it back to read its own writes.
 * Runtime-neutral: the cache step sets it on writes whatever the store.
 */

/** The response header of a write, and the request header a caller sends back. */
export const consistencyHeader = "orgkit-consistency"

/** The token a caller sends back: a time in ms since the epoch, or `undefined` if absent or unusable. */
export const tokenOf = (headers: Headers): number | undefined => {
  const value = headers.get(consistencyHeader)
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined
  return Number(value)
}
