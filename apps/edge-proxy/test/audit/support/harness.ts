/**
 * The proxy's own app (`createApp`, the pipeline production runs: request id → request log → route
 * match → authenticate → validate → forward with the audit sink) in front of a fetch-style upstream,
 * with a recorder as its `AuditSink` and the recorder's store behind `/audit`. Runs on Node and in
 * workerd (`createApp` is runtime-neutral); the runtime entries are tested in `proxy-*.test.ts`.
 */
import type { Hono } from "hono"
import { fetchUpstream } from "../../../src/adapters/fetch-upstream.ts"
import { createApp } from "../../../src/app.ts"
import type { AuditRecorder } from "../../../src/audit/recorder.ts"
import type { ApiKey } from "../../../src/config.ts"
import type { AppEnv } from "../../../src/env.ts"
import type { LogSink, Platform } from "../../../src/ports.ts"

/** A key as the suite uses it: its bearer token is the map key. */
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

/** The keys as `createApp` takes them. */
export const apiKeys: ReadonlyArray<ApiKey> = Object.entries(testKeys).map(([key, k]) => ({ ...k, key }))

/** Options of `harness`. */
export interface HarnessOptions {
  readonly recorder: AuditRecorder
  /** The upstream Logto (a stub, or the fake's `fetch`). */
  readonly upstream: (request: Request) => Promise<Response>
  /** The upstream origin requests are addressed to. */
  readonly upstreamOrigin?: string
  /** The bearer token the proxy sends upstream. */
  readonly upstreamToken?: string
  readonly now?: () => number
  /** The proxy's request log (default: dropped). */
  readonly log?: LogSink
}

let counter = 0

/** The proxy app over the recorder and the upstream. */
export const harness = (options: HarnessOptions): Hono<AppEnv> => {
  const now = options.now ?? Date.now
  const platform: Platform = {
    now,
    randomId: () => `req-${++counter}`,
    digest: async (algorithm, data) => new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource))
  }
  const token = options.upstreamToken ?? "upstream-token"
  return createApp({
    keys: apiKeys,
    upstream: fetchUpstream({ origin: options.upstreamOrigin ?? "http://logto.test", fetch: options.upstream }),
    tokens: { get: () => Promise.resolve(token), invalidate: () => undefined },
    upstreamTimeoutMs: 10_000,
    platform,
    log: options.log ?? (() => undefined),
    cache: {
      read: (_l, load) => load().then((response) => ({ response })),
      written: async () => undefined,
      invalidate: async () => undefined,
      metrics: () => ""
    },
    audit: options.recorder,
    auditStore: options.recorder.store
  }) as unknown as Hono<AppEnv>
}
