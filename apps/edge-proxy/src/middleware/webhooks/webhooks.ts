import type { Handler } from "hono"
import { webhookInvalidation } from "../../cache/webhooks.ts"
import type { AppEnv } from "../../env.ts"
import { logtoError } from "../../errors.ts"
import type { CacheStore, LogSink } from "../../ports.ts"

/** Options of `logtoWebhook`. */
export interface LogtoWebhookOptions {
  /** The webhook's signing key in Logto; without one the endpoint answers 404. */
  readonly signingKey: string | undefined
  readonly cache: CacheStore
  readonly log: LogSink
  /** Counts accepted, rejected and ignored deliveries (for `/metrics`). */
  readonly counters: WebhookCounters
}

/** Deliveries seen by the webhook endpoint. */
export interface WebhookCounters {
  accepted: number
  rejected: number
  ignored: number
}

/** Zeroed counters. */
export const makeWebhookCounters = (): WebhookCounters => ({ accepted: 0, rejected: 0, ignored: 0 })

/** The header Logto signs deliveries with: hex HMAC-SHA256 of the raw body. */
export const signatureHeader = "logto-signature-sha-256"

const maxBodyBytes = 1_048_576
const encoder = new TextEncoder()
const decoder = new TextDecoder()

const fromHex = (hex: string): Uint8Array | undefined => {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/**
 * `POST /webhooks/logto`: Logto's webhook. A delivery is accepted only with a valid
 * `logto-signature-sha-256` (hex HMAC-SHA256 of the raw body under the signing key, checked with
 * WebCrypto's constant-time `verify`); otherwise 401 and nothing is invalidated. Accepted events are
 * mapped to cache invalidations (see `cache/webhooks.ts`), done before the answer; events that change
 * no cached read are answered 200 and logged.
 *
 * @example
 * app.post("/webhooks/logto", logtoWebhook({ signingKey, cache, log, counters }))
 */
export const logtoWebhook = (options: LogtoWebhookOptions): Handler<AppEnv> => {
  const key =
    options.signingKey === undefined
      ? undefined
      : crypto.subtle.importKey("raw", encoder.encode(options.signingKey), { name: "HMAC", hash: "SHA-256" }, false, [
          "verify"
        ])
  const reject = (c: Parameters<Handler<AppEnv>>[0], reason: string) => {
    options.counters.rejected++
    options.log({ level: "warn", msg: "webhook rejected", requestId: c.get("requestId"), reason })
    return logtoError(c, 401, {
      code: "proxy.webhook_unauthorized",
      message: "The webhook signature is missing or invalid."
    })
  }
  return async (c) => {
    if (key === undefined) return c.body("Not Found", 404, { "content-type": "text/plain; charset=utf-8" })
    const length = Number(c.req.header("content-length") ?? "0")
    if (length > maxBodyBytes) {
      return logtoError(c, 413, { code: "proxy.payload_too_large", message: "The request body is too large." })
    }
    const body = new Uint8Array(await c.req.arrayBuffer())
    if (body.byteLength > maxBodyBytes) {
      return logtoError(c, 413, { code: "proxy.payload_too_large", message: "The request body is too large." })
    }
    const given = c.req.header(signatureHeader)
    if (given === undefined) return reject(c, "no signature")
    const signature = fromHex(given.trim())
    if (signature === undefined) return reject(c, "malformed signature")
    const valid = await crypto.subtle.verify("HMAC", await key, signature as BufferSource, body as BufferSource)
    if (!valid) return reject(c, "signature mismatch")
    let payload: unknown
    try {
      payload = JSON.parse(decoder.decode(body))
    } catch {
      return logtoError(c, 400, { code: "proxy.webhook_invalid_body", message: "The webhook body is not JSON." })
    }
    const { event, tags } = webhookInvalidation(payload)
    if (tags.length === 0) {
      options.counters.ignored++
      options.log({ level: "info", msg: "webhook ignored", requestId: c.get("requestId"), event })
    } else {
      options.counters.accepted++
      await options.cache.invalidate(tags)
      options.log({ level: "info", msg: "webhook", requestId: c.get("requestId"), event, invalidated: tags })
    }
    return c.json({ event: event ?? null, invalidated: tags })
  }
}
