/**
 * What of a request goes into the audit trail and its log lines: the JSON body with secrets (by
 * name, and credentials inside URL values) replaced by `"[REDACTED]"` and, past a size cap, a marker
 * object in place of the body; the path with its credentials redacted (`redactUrl`).
 */
import type * as Schema from "effect/Schema"

type Json = Schema.Json

/** The value that replaces a secret. */
export const redactedValue = "[REDACTED]"

/**
 * Names whose values are never recorded, at any depth, in bodies and in URL query strings. A name
 * is redacted when it contains one of `secret`, `token`, `password`, `passwd`, `passphrase`,
 * `credential`, `authorization`/`authorisation`, `cookie`, `session`, `private`, `apikey`,
 * `privkey` (any case, `_`/`-` ignored: `clientSecret`, `refresh_token`, `PRIVATE-KEY`), or when one
 * of its words is `key`, `pwd`, `pin`, `otp`, `cvv`, `cvc`, `ssn` or `signature` (`stripe_key`,
 * `apiKey`, `privKey`, `userPin`, `PWD`; not `monkey` or `mapping`), or when it is exactly `config`
 * (an SSO connector's configuration holds its client secret and certificates).
 */
export const secretKey = {
  test: (name: string): boolean => {
    const flat = name.toLowerCase().replace(/[-_\s.]/g, "")
    if (
      /secret|token|passw(or)?d|passphrase|credential|authori[sz]ation|cookie|session|private|apikey|privkey/.test(flat)
    )
      return true
    if (name === "config") return true
    const words = name
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
    return words.some((word) => secretWords.has(word))
  }
}

const secretWords = new Set(["key", "keys", "pwd", "pin", "otp", "cvv", "cvc", "ssn", "signature"])

/**
 * A URL-like string with its credentials redacted: the password of `scheme://user:password@host`
 * and the values of query parameters with secret names (`?token=…`, `&api_key=…`). Other strings
 * are returned as they are.
 */
export const redactUrl = (text: string): string => {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@/\s]*@/gi, `$1:${redactedValue}@`)
  const q = out.indexOf("?")
  if (q >= 0) {
    const [query, hash = undefined] = out.slice(q + 1).split("#", 2) as [string, string?]
    const redacted = query
      .split("&")
      .map((pair) => {
        const eq = pair.indexOf("=")
        if (eq < 0) return pair
        let name: string
        try {
          name = decodeURIComponent(pair.slice(0, eq).replaceAll("+", " "))
        } catch {
          name = pair.slice(0, eq)
        }
        return secretKey.test(name) ? `${pair.slice(0, eq)}=${encodeURIComponent(redactedValue)}` : pair
      })
      .join("&")
    out = `${out.slice(0, q)}?${redacted}${hash === undefined ? "" : `#${hash}`}`
  }
  return out
}

/** The default cap on the recorded body: 8 KiB of JSON. */
export const defaultMaxRequestBytes = 8192

const encoder = new TextEncoder()

const redactValue = (value: unknown, depth: number): Json => {
  if (typeof value === "string") return value.includes("://") || value.includes("?") ? redactUrl(value) : value
  if (value === null || typeof value === "boolean") return value
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
