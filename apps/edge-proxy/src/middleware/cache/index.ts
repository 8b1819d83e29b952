/**
 * The `cache` step: reads answered through the read-through cache, writes reported to it.
 */
export { cache, type CacheOptions } from "./cache.ts"
