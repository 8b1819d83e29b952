/**
 * What of a request body goes into the audit trail: the JSON body with secrets replaced by
 * `"[REDACTED]"` and, past a size cap, a marker object in place of the body.
 */
import type * as Schema from "effect/Schema"

type Json = Schema.Json

/** The value that replaces a secret. */
export const redactedValue = "[REDACTED]"

/**
 * Keys whose values are never recorded, at any depth: credentials of every spelling (`secret`,
 * `clientSecret`, `password`, `token`, `accessToken`, `apiKey`, `privateKey`, `credentials`,
 * `authorization`, `cookie`, `signingKey`) and `config` (an SSO connector's configuration holds its
 * client secret and certificates).
 */
export const secretKey =
  /secret|passw(or)?d|token|api[-_]?key|private[-_]?key|credential|authori[sz]ation|cookie|signing[-_]?key|^config$/i

/** The default cap on the recorded body: 8 KiB of JSON. */
export const defaultMaxRequestBytes = 8192

const encoder = new TextEncoder()

const redactValue = (value: unknown, depth: number): Json => {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value
  if (typeof value === "number") return Number.isFinite(value) ? value : null
  if (depth > 32) return redactedValue
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1))
  if (typeof value === "object") {
    const out: Record<string, Json> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      out[key] = secretKey.test(key) ? redactedValue : redactValue(item, depth + 1)
    }
    return out
  }
  return null
}

/**
 * Redacts secrets from a body (see `secretKey`); anything that is not JSON (functions, bigints,
 * non-finite numbers) becomes `null`.
 */
export const redact = (body: unknown): Json => redactValue(body, 0)

/**
 * The body as recorded: `null` when there is none, the redacted body when its JSON fits in
 * `maxBytes`, otherwise `{ "$truncated": true, "bytes": <size of the redacted JSON>, "preview": <its first
 * `maxBytes` characters> }`.
 */
export const recordedRequest = (body: unknown, maxBytes: number = defaultMaxRequestBytes): Json => {
  if (body === undefined || body === null) return null
  const redacted = redact(body)
  const text = JSON.stringify(redacted)
  const bytes = encoder.encode(text).length
  if (bytes <= maxBytes) return redacted
  return { $truncated: true, bytes, preview: text.slice(0, maxBytes) }
}
