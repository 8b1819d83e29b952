/**
 * The `quota` step: per-key rate limits with Logto-shaped 429s and the IETF RateLimit headers.
 */
export { quota, type QuotaOptions } from "./quota.ts"
