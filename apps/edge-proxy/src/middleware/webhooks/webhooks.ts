import type { Handler } from "hono"
import { webhookInvalidation } from "../../cache/webhooks.ts"
import type { AppEnv } from "../../env.ts"
import { logtoError } from "../../errors.ts"
import type { CacheStore, LogSink } from "../../ports.ts"
import { readBody } from "../validate/read-body.ts"

/** Options of `logtoWebhook`. */
export interface LogtoWebhookOptions {
  /** The webhook's signing key in Logto; without one the endpoint answers 404. */
  readonly signingKey: string | undefined
  readonly cache: CacheStore
  readonly log: LogSink
  /** Counts accepted, rejected and ignored deliveries (for `/metrics`). */
  readonly counters: WebhookCounters
  /** The clock (delivery freshness). */
  readonly now: () => number
}

/** Deliveries seen by the webhook endpoint. */
export interface WebhookCounters {
  accepted: number
  rejected: number
  ignored: number
  /** Deliveries seen before within the window (answered 200, nothing invalidated again). */
  replayed: number
}

/** Zeroed counters. */
export const makeWebhookCounters = (): WebhookCounters => ({ accepted: 0, rejected: 0, ignored: 0, replayed: 0 })

/** The header Logto signs deliveries with: hex HMAC-SHA256 of the raw body. */
export const signatureHeader = "logto-signature-sha-256"

/**
 * The largest delivery read, in bytes: Logto's payloads (an event, an organization, a user or an
 * application) are a few KiB; anything larger is refused while it streams, before it is buffered.
 */
export const maxWebhookBytes = 65_536

/**
 * How far a delivery's `createdAt` may lie from the proxy's clock: Logto signs only the body, so
 * the time inside it bounds how long a captured delivery can be replayed (past it: 401); within it,
 * a delivery already accepted is recognised by its signature and not applied twice.
 */
export const webhookWindowMs = 300_000

/** Signatures remembered for replay detection, at most (the oldest are forgotten first). */
const maxRemembered = 10_000
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
 * WebCrypto's constant-time `verify`) and a `createdAt` within `webhookWindowMs` of the proxy's
 * clock; otherwise 401 and nothing is invalidated. Without a signature header nothing is read; the
 * body is streamed with a limit of `maxWebhookBytes` (413 beyond it, 400 if the sender hangs up). A
 * delivery accepted before (same signature, within the window) is answered 200 and not applied again. Accepted events are
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
  // Signatures of deliveries accepted within the window, with their `createdAt` (insertion order).
  const seen = new Map<string, number>()
  const remember = (signature: string, createdAt: number) => {
    const horizon = options.now() - webhookWindowMs
    for (const [old, at] of seen) {
      if (at >= horizon && seen.size < maxRemembered) break
      seen.delete(old)
    }
    seen.set(signature, createdAt)
  }
  return async (c) => {
    if (key === undefined) return c.body("Not Found", 404, { "content-type": "text/plain; charset=utf-8" })
    // No signature, nothing read: an unsigned delivery costs a header check.
    const given = c.req.header(signatureHeader)
    if (given === undefined) return reject(c, "no signature")
    const signature = fromHex(given.trim())
    if (signature === undefined) return reject(c, "malformed signature")
    // Streamed with a limit whatever the framing (Content-Length or chunked).
    const body = await readBody(c.req.raw, maxWebhookBytes)
    const valid = await crypto.subtle.verify("HMAC", await key, signature as BufferSource, body as BufferSource)
    if (!valid) return reject(c, "signature mismatch")
    let payload: unknown
    try {
      payload = JSON.parse(decoder.decode(body))
    } catch {
      return logtoError(c, 400, { code: "proxy.webhook_invalid_body", message: "The webhook body is not JSON." })
    }
    const createdAt = Date.parse(String((payload as { createdAt?: unknown } | null)?.createdAt ?? ""))
    if (!Number.isFinite(createdAt) || Math.abs(options.now() - createdAt) > webhookWindowMs) {
      return reject(c, "createdAt missing or outside the delivery window")
    }
    const fingerprint = given.trim().toLowerCase()
    if (seen.has(fingerprint)) {
      options.counters.replayed++
      options.log({ level: "warn", msg: "webhook replay ignored", requestId: c.get("requestId") })
      return c.json({ event: null, invalidated: [], replayed: true })
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
    remember(fingerprint, createdAt)
    return c.json({ event: event ?? null, invalidated: tags })
  }
}
