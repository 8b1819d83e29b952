/**
 * A small app in front of an upstream, shaped like the proxy's pipeline (request id → route match
 * → key check → validation → `auditWrites` → forward), built from core directly so the audit suite
 * does not depend on the proxy's middleware. Denials go through `recordDenial`. Runs on Node and
 * in workerd.
 */
import { LogtoError, RouteTable, Validation } from "@orgkit/core"
import { Result } from "effect"
import { type Context, Hono } from "hono"
import type { AppEnv } from "../../../src/env.ts"
import { logtoError } from "../../../src/errors.ts"
import type { Principal } from "../../../src/principal.ts"
import { auditRoutes, auditWrites, recordDenial } from "../../../src/audit/index.ts"
import type { AuditRecorder } from "../../../src/audit/recorder.ts"

/** A key as the harness knows it. */
export interface TestKey {
  readonly id: string
  readonly name: string
  readonly scopes: ReadonlyArray<"read" | "write" | "audit:read">
  readonly organizations?: ReadonlyArray<string>
}

/** Keys by bearer token. */
export const testKeys: Readonly<Record<string, TestKey>> = {
  "admin-key": { id: "admin", name: "Platform team", scopes: ["read", "write", "audit:read"] },
  "writer-key": { id: "writer", name: "Billing team", scopes: ["read", "write"] },
  "reader-key": { id: "reader", name: "Support team", scopes: ["read"] },
  "auditor-key": { id: "auditor", name: "Compliance", scopes: ["audit:read"] },
  "acme-auditor-key": {
    id: "acme-auditor",
    name: "Acme compliance",
    scopes: ["audit:read"],
    organizations: ["org-acme"]
  },
  "acme-key": { id: "acme", name: "Acme integration", scopes: ["read", "write"], organizations: ["org-acme"] }
}

const principalOf = (key: TestKey): Principal => ({
  id: key.id,
  name: key.name,
  scopes: new Set(key.scopes),
  organizations: key.organizations === undefined ? undefined : new Set(key.organizations)
})

/** Options of `harness`. */
export interface HarnessOptions {
  readonly recorder: AuditRecorder
  /** The upstream Logto (a stub, or the fake's `fetch`). */
  readonly upstream: (request: Request) => Promise<Response>
  /** The upstream origin requests are addressed to. */
  readonly upstreamOrigin?: string
  /** The bearer token the harness sends upstream. */
  readonly upstreamToken?: string
  readonly now?: () => number
}

const decoder = new TextDecoder()

/** The harness app: `/api/*` as the proxy serves it, and the audit API at `/audit`. */
export const harness = (options: HarnessOptions): Hono<AppEnv> => {
  const now = options.now ?? Date.now
  const origin = options.upstreamOrigin ?? "http://logto.test"
  let counter = 0
  const app = new Hono<AppEnv>()
  app.use("*", async (c, next) => {
    c.set("requestId", c.req.header("x-request-id") ?? `req-${++counter}`)
    await next()
    c.header("x-request-id", c.get("requestId"))
  })
  // The audit API: the principal comes from the same key check.
  app.use("/audit/*", async (c, next) => {
    const token = c.req.header("authorization")?.replace(/^Bearer /, "")
    const key = token === undefined ? undefined : testKeys[token]
    if (key !== undefined) c.set("principal", principalOf(key))
    return next()
  })
  app.route("/audit", auditRoutes({ store: options.recorder.store }))

  const deny = (
    c: Context<AppEnv>,
    startedAt: number,
    status: number,
    body: LogtoError.LogtoErrorBody | { message: string }
  ) => {
    const response = logtoError(c, status, body)
    recordDenial(options.recorder, c, response, startedAt, now)
    return response
  }

  app.use("/api/*", async (c, next) => {
    const startedAt = now()
    const url = new URL(c.req.url)
    const match = RouteTable.match(c.req.method, url.pathname)
    if (match._tag !== "Route") return c.body("Not Found", 404)
    c.set("route", match.route)
    c.set("params", match.params)
    const authorization = c.req.header("authorization")
    if (authorization === undefined)
      return deny(c, startedAt, 401, LogtoError.body(LogtoError.codes.authorizationHeaderMissing))
    const key = testKeys[authorization.replace(/^Bearer /, "")]
    if (key === undefined) return deny(c, startedAt, 401, LogtoError.body(LogtoError.codes.unauthorized))
    const principal = principalOf(key)
    c.set("principal", principal)
    const organization =
      match.route.organizationParam === undefined ? undefined : match.params[match.route.organizationParam]
    if (
      !principal.scopes.has(match.route.kind === "read" ? "read" : "write") ||
      (organization !== undefined &&
        principal.organizations !== undefined &&
        !principal.organizations.has(organization))
    ) {
      return deny(c, startedAt, 403, LogtoError.body(LogtoError.codes.forbidden))
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    // Set before validation, so a rejected body is recorded (redacted, capped) with its targets.
    c.set("body", bytes.length === 0 ? undefined : bytes)
    const parsed = Validation.parseBody(c.req.header("content-type"), decoder.decode(bytes))
    if (Result.isFailure(parsed)) return deny(c, startedAt, parsed.failure.status, parsed.failure.body)
    const valid = Validation.validate(match.route, {
      params: match.params,
      search: url.searchParams,
      body: parsed.success
    })
    if (Result.isFailure(valid)) return deny(c, startedAt, valid.failure.status, valid.failure.body)
    c.set("valid", valid.success)
    return next()
  })
  app.use("/api/*", auditWrites({ recorder: options.recorder, clock: now }))
  app.all("/api/*", async (c) => {
    const route = c.get("route")
    const target = RouteTable.buildPath(route, c.get("params")) + new URL(c.req.url).search
    const body = c.get("body")
    const response = await options.upstream(
      new Request(origin + target, {
        method: c.req.method,
        headers: {
          authorization: `Bearer ${options.upstreamToken ?? "upstream-token"}`,
          ...(body === undefined ? {} : { "content-type": c.req.header("content-type") ?? "application/json" })
        },
        ...(body === undefined ? {} : { body: body as BodyInit })
      })
    )
    const text = await response.text()
    if (response.status >= 400 && (response.headers.get("content-type") ?? "").includes("json")) {
      try {
        c.set("errorCode", (JSON.parse(text) as { code?: string }).code)
      } catch {
        // not JSON after all
      }
    }
    return new Response(response.status === 204 ? null : text, {
      status: response.status,
      headers: { "content-type": response.headers.get("content-type") ?? "text/plain" }
    })
  })
  return app
}
