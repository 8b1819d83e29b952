/**
 * The audit API, a Hono sub-app the proxy mounts at `/audit`:
 *
 * - `GET /events?organizationId=&actorId=&operationId=&status=&from=&to=&kind=&outcome=&cursor=&limit=`
 *   → `{ events, nextCursor? }`, newest first;
 * - `GET /events/export?…` → the same events as NDJSON, streamed;
 * - `GET /verify` → `{ ok, events, entries, firstBadEventId?, reason?, head? }`;
 * - `GET /chain?after=` → the raw chain entries as NDJSON, for independent verification;
 * - `GET /checkpoints?after=` → the signed checkpoints as NDJSON;
 * - `GET /public-key` → the public keys checkpoints verify against (SPKI PEM blocks, the signing key's first);
 * - `GET /dead-letters?all=1` → `{ deadLetters }`.
 *
 * Every route needs a principal with the `audit:read` scope (401 `auth.unauthorized`, 403
 * `auth.forbidden`, Logto-shaped). An organization-restricted principal sees only its organizations'
 * events and may not use `verify`, `chain` or `dead-letters`, which span every organization.
 */
import { LogtoError } from "@orgkit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type Context, Hono } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import type { AppEnv } from "../env.ts"
import type { Principal } from "../principal.ts"
import { EventKind, OutcomeState } from "./event.ts"
import { type AuditFilters, AuditInputError, type AuditStore, maxPageSize } from "./store.ts"

/** Options of `auditRoutes`. */
export interface AuditRoutesOptions {
  readonly store: AuditStore
  /** The authenticated caller. Default: the `principal` the proxy's `authenticate` sets. */
  readonly getPrincipal?: (c: Context<AppEnv>) => Principal | undefined
}

const Time = Schema.String.check(
  Schema.makeFilter((s: string) => !Number.isNaN(parseTime(s)), {
    expected: "an ISO 8601 time or milliseconds since the epoch"
  })
)

const Int = (minimum: number, maximum: number) =>
  Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }))

/** The query string of `/events` and `/events/export`. Unknown parameters are ignored. */
export const EventsQuery = Schema.Struct({
  organizationId: Schema.optionalKey(Schema.String),
  actorId: Schema.optionalKey(Schema.String),
  operationId: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Int(100, 599)),
  from: Schema.optionalKey(Time),
  to: Schema.optionalKey(Time),
  kind: Schema.optionalKey(EventKind),
  outcome: Schema.optionalKey(OutcomeState),
  cursor: Schema.optionalKey(Schema.String),
  limit: Schema.optionalKey(Int(1, maxPageSize))
})

const decodeQuery = Schema.decodeUnknownResult(EventsQuery)

function parseTime(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text)
}

const json = { "content-type": "application/json; charset=utf-8" }
const ndjson = { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" }

const answer = (c: Context<AppEnv>, status: number, body: unknown) => {
  if (status >= 400) c.set("errorCode", (body as { code?: string }).code)
  return c.body(JSON.stringify(body), status as ContentfulStatusCode, json)
}

const invalid = (c: Context<AppEnv>, message: string) =>
  answer(c, 400, { code: LogtoError.codes.invalidInput, message })

type Parsed =
  | { readonly ok: true; readonly filters: AuditFilters; readonly cursor?: string; readonly limit?: number }
  | {
      readonly ok: false
      readonly response: Response
    }

const parseFilters = (c: Context<AppEnv>, principal: Principal): Parsed => {
  const decoded = decodeQuery(c.req.query(), { errors: "first" })
  if (Result.isFailure(decoded)) return { ok: false, response: invalid(c, `Invalid query: ${decoded.failure.message}`) }
  const q = decoded.success
  const allowed = principal.organizations
  if (q.organizationId !== undefined && allowed !== undefined && !allowed.has(q.organizationId)) {
    return { ok: false, response: answer(c, 403, LogtoError.body(LogtoError.codes.forbidden)) }
  }
  const filters: AuditFilters = {
    organizationId: q.organizationId,
    organizationIds: allowed === undefined || q.organizationId !== undefined ? undefined : [...allowed],
    actorId: q.actorId,
    operationId: q.operationId,
    status: q.status,
    from: q.from === undefined ? undefined : parseTime(q.from),
    to: q.to === undefined ? undefined : parseTime(q.to),
    kind: q.kind,
    outcome: q.outcome
  }
  return {
    ok: true,
    filters,
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    ...(q.limit === undefined ? {} : { limit: q.limit })
  }
}

const streamLines = <A>(items: AsyncIterable<A>): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder()
  const iterator = items[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      // Up to 100 lines per chunk: fewer, larger writes.
      let chunk = ""
      for (let i = 0; i < 100; i++) {
        const next = await iterator.next()
        if (next.done === true) {
          if (chunk !== "") controller.enqueue(encoder.encode(chunk))
          controller.close()
          return
        }
        chunk += `${JSON.stringify(next.value)}\n`
      }
      controller.enqueue(encoder.encode(chunk))
    },
    cancel: async () => {
      await iterator.return?.()
    }
  })
}

/**
 * `GET /audit/public-key`: the public keys checkpoints verify against, as SPKI PEM blocks (the
 * signing key's first); 404 `proxy.checkpoints_off` without a signing key. `auditRoutes` serves it to
 * `audit:read` keys; a public key is no secret, so an app may also serve it before authentication.
 *
 * @example
 * app.get("/audit/public-key", auditPublicKeyHandler(store)) // before app.use("/audit/*", authenticate(...))
 */
export const auditPublicKeyHandler =
  (store: AuditStore) =>
  async (c: Context<AppEnv>): Promise<Response> => {
    const keys = await store.publicKeys()
    if (keys.length === 0) {
      return answer(c, 404, { code: "proxy.checkpoints_off", message: "Audit checkpoints are off: no signing key." })
    }
    return c.body(keys.map((k) => k.pem).join(""), 200, {
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store"
    })
  }

/**
 * The audit API. Mount it behind the proxy's authentication with the `audit:read` scope.
 *
 * @example
 * app.use("/audit/*", requestId(), authenticate({ keys, scope: "audit:read" }))
 * app.route("/audit", auditRoutes({ store }))
 */
export const auditRoutes = (options: AuditRoutesOptions): Hono<AppEnv> => {
  const store = options.store
  const getPrincipal = options.getPrincipal ?? ((c: Context<AppEnv>) => c.get("principal"))
  const app = new Hono<AppEnv>()

  app.use("*", async (c, next) => {
    const principal = getPrincipal(c)
    if (principal === undefined) return answer(c, 401, LogtoError.body(LogtoError.codes.unauthorized))
    if (!principal.scopes.has("audit:read")) return answer(c, 403, LogtoError.body(LogtoError.codes.forbidden))
    return next()
  })

  const unrestricted = (c: Context<AppEnv>): Response | undefined =>
    getPrincipal(c)!.organizations === undefined
      ? undefined
      : answer(c, 403, LogtoError.body(LogtoError.codes.forbidden))

  app.get("/events", async (c) => {
    const parsed = parseFilters(c, getPrincipal(c)!)
    if (!parsed.ok) return parsed.response
    return answer(c, 200, await store.query(parsed.filters, parsed.cursor, parsed.limit))
  })

  app.get("/events/export", (c) => {
    const parsed = parseFilters(c, getPrincipal(c)!)
    if (!parsed.ok) return parsed.response
    return c.body(streamLines(store.export(parsed.filters)), 200, ndjson)
  })

  app.get("/verify", async (c) => unrestricted(c) ?? answer(c, 200, await store.verify()))

  app.get("/chain", (c) => {
    const denied = unrestricted(c)
    if (denied !== undefined) return denied
    const after = c.req.query("after") ?? "0"
    if (!/^\d+$/.test(after)) return invalid(c, "after must be a chain position (a non-negative integer).")
    return c.body(streamLines(store.chain(Number(after))), 200, ndjson)
  })

  app.get("/checkpoints", (c) => {
    const denied = unrestricted(c)
    if (denied !== undefined) return denied
    const after = c.req.query("after") ?? "0"
    if (!/^\d+$/.test(after)) return invalid(c, "after must be a checkpoint number (a non-negative integer).")
    return c.body(streamLines(store.checkpoints(Number(after))), 200, ndjson)
  })

  app.get("/public-key", auditPublicKeyHandler(store))

  app.get("/dead-letters", async (c) => {
    const denied = unrestricted(c)
    if (denied !== undefined) return denied
    return answer(c, 200, { deadLetters: await store.deadLetters({ includeResolved: c.req.query("all") === "1" }) })
  })

  app.onError((error, c) => {
    if (error instanceof AuditInputError) return invalid(c, error.message)
    console.error(
      JSON.stringify({ level: "error", msg: "audit API failed", requestId: c.get("requestId"), error: String(error) })
    )
    return answer(c, 503, { code: "proxy.audit_unavailable", message: "The audit trail is unavailable." })
  })

  return app
}
