/**
 * The system the load and fault suites drive: the fake Logto (demo data plus a bigger population
 * of organizations and users) on a loopback port, and the proxy's Node server in front of it with
 * caching on and the audit trail on a SQLite file in a temp directory. Also small `fetch` helpers
 * for the proxy, the fake's control API (request log, faults) and the audit API.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { Result } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type NodeProxy, startNodeProxy, type StartOptions } from "../../../src/adapters/node/server.ts"
import { decodeNodeConfig } from "../../../src/config.ts"
import type { LogLine } from "./stack.ts"

/** The fake's static token (direct and control API calls). */
export const directToken = "reliability-direct-token-02"

/** The proxy's M2M client at the fake. */
export const m2m = { clientId: "reliability-proxy-2", clientSecret: "reliability-proxy-secret-2" } as const

/** The proxy keys: a read/write key and an auditor. */
export const keys = {
  admin: { id: "admin", name: "Platform", key: "reliability-admin-key-0002", scopes: ["read", "write"] },
  auditor: { id: "auditor", name: "Audit", key: "reliability-audit-key-0002", scopes: ["audit:read", "read"] }
} as const

/** Extra organizations `org…` and users `usr…` (ids of Logto's lengths). */
export const population = (organizations: number, users: number) => ({
  organizations: Array.from({ length: organizations }, (_, i) => ({
    id: `loadorg${String(i).padStart(5, "0")}`,
    name: `Load ${i}`,
    description: "v0"
  })),
  users: Array.from({ length: users }, (_, i) => ({
    id: `loaduser${String(i).padStart(4, "0")}`,
    username: `load-user-${i}`
  }))
})

/** The demo roles, usable in every organization. */
export const roleIds: ReadonlyArray<string> = Object.values(Demo.ids.roles)

/** What `startSystem` accepts. */
export interface SystemOptions {
  readonly organizations?: number
  readonly users?: number
  /** Extra proxy settings (env names). */
  readonly env?: Record<string, string>
  /** Extra `startNodeProxy` options (an audit store wrapper, …). */
  readonly start?: StartOptions
  /** Reuse this directory for the SQLite file (else a new temp dir). */
  readonly dir?: string
}

/** A running fake and proxy. */
export interface System {
  readonly fake: Awaited<ReturnType<typeof FakeLogto.serve>>
  readonly proxy: NodeProxy
  readonly dir: string
  readonly dbPath: string
  readonly errorLines: Array<LogLine>
  readonly env: Record<string, string>
  readonly close: () => Promise<void>
}

/** The proxy's environment for a fake at `fakeUrl`. */
export const proxyEnv = (fakeUrl: string, dbPath: string, extra: Record<string, string> = {}) => ({
  LOGTO_ENDPOINT: fakeUrl,
  LOGTO_M2M_CLIENT_ID: m2m.clientId,
  LOGTO_M2M_CLIENT_SECRET: m2m.clientSecret,
  ORGKIT_API_KEYS: JSON.stringify(Object.values(keys)),
  ORGKIT_UPSTREAM_TIMEOUT_MS: "5000",
  ORGKIT_CACHE: "on",
  ORGKIT_AUDIT: "on",
  ORGKIT_AUDIT_DB_PATH: dbPath,
  ORGKIT_LOG_LEVEL: "warn",
  HOST: "127.0.0.1",
  PORT: "0",
  ...extra
})

/** Starts the fake Logto. */
export const startFake = (organizations = 0, users = 0) => {
  const extra = population(organizations, users)
  return FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: {
      ...Demo.seed,
      organizations: [...(Demo.seed.organizations ?? []), ...extra.organizations],
      users: [...(Demo.seed.users ?? []), ...extra.users]
    },
    tokens: [directToken],
    clients: [m2m]
  })
}

/** Starts a proxy in this process in front of `fakeUrl`. */
export const startProxy = async (
  fakeUrl: string,
  dbPath: string,
  env: Record<string, string> = {},
  start: StartOptions = {}
) => {
  const config = decodeNodeConfig(proxyEnv(fakeUrl, dbPath, env))
  if (Result.isFailure(config)) throw config.failure
  const errorLines: Array<LogLine> = []
  const proxy = await startNodeProxy(config.success, {
    log: (line) => {
      if (line["level"] === "error") errorLines.push(line)
    },
    ...start
  })
  return { proxy, errorLines }
}

/** Starts the fake and a proxy (SQLite audit file in a temp dir). */
export const startSystem = async (options: SystemOptions = {}): Promise<System> => {
  const fake = await startFake(options.organizations ?? 0, options.users ?? 0)
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "orgkit-reliability-"))
  const dbPath = join(dir, "audit.sqlite")
  const { proxy, errorLines } = await startProxy(fake.url, dbPath, options.env, options.start)
  return {
    fake,
    proxy,
    dir,
    dbPath,
    errorLines,
    env: proxyEnv(fake.url, dbPath, options.env),
    close: async () => {
      await proxy.close()
      await fake.close()
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** An answer, read whole. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: unknown
  readonly ms: number
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request to `origin` with a proxy key or token (never throws: status 0 is no answer). */
export const call = async (
  origin: string,
  bearer: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 15_000
): Promise<Answer> => {
  const started = performance.now()
  try {
    const response = await fetch(new URL(path, origin), {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs)
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: parse(text),
      ms: performance.now() - started
    }
  } catch (error) {
    return { status: 0, headers: new Headers(), text: String(error), json: undefined, ms: performance.now() - started }
  }
}

/** The fake's request log entry. */
export interface Logged {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly at: number
}

/** The fake's request log (every `/api` and `/oidc/token` request). */
export const fakeRequests = async (fakeUrl: string): Promise<ReadonlyArray<Logged>> => {
  const answer = await call(fakeUrl, directToken, "GET", "/__orgkit/requests")
  if (answer.status !== 200) throw new Error(`GET /__orgkit/requests: ${answer.status} ${answer.text}`)
  return (answer.json as { requests: ReadonlyArray<Logged> }).requests
}

/** Writes (non-GET `/api` requests) in the fake's log. */
export const fakeWrites = async (fakeUrl: string) =>
  (await fakeRequests(fakeUrl)).filter((r) => r.method !== "GET" && r.method !== "HEAD" && r.path.startsWith("/api/"))

/** Replaces the fake's faults (`rules: []` clears them). */
export const setFaults = async (fakeUrl: string, rules: ReadonlyArray<Record<string, unknown>>, seed = 1) => {
  const answer = await call(fakeUrl, directToken, "PUT", "/__orgkit/faults", { seed, rules })
  if (answer.status >= 300) throw new Error(`PUT /__orgkit/faults: ${answer.status} ${answer.text}`)
}

/** One audit event as the API returns it (the fields the suites read). */
export interface EventView {
  readonly id: string
  readonly seq: number
  readonly kind: "write" | "denial"
  readonly operationId: string
  readonly method: string
  readonly path: string
  readonly requestId: string | null
  readonly status: number | null
  readonly errorCode: string | null
  readonly outcome: "pending" | "completed" | "outcome_unrecorded"
}

/** Every audit event (all pages), through the proxy's audit API. */
export const auditEvents = async (proxyUrl: string, query = ""): Promise<ReadonlyArray<EventView>> => {
  const out: Array<EventView> = []
  let cursor: string | undefined
  do {
    const q = new URLSearchParams(query)
    q.set("limit", "500")
    if (cursor !== undefined) q.set("cursor", cursor)
    const answer = await call(proxyUrl, keys.auditor.key, "GET", `/audit/events?${q}`)
    if (answer.status !== 200) throw new Error(`GET /audit/events: ${answer.status} ${answer.text}`)
    const page = answer.json as { events: ReadonlyArray<EventView>; nextCursor?: string }
    out.push(...page.events)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return out
}

/** `/audit/verify`'s answer. */
export const auditVerify = async (proxyUrl: string) => {
  const answer = await call(proxyUrl, keys.auditor.key, "GET", "/audit/verify")
  if (answer.status !== 200) throw new Error(`GET /audit/verify: ${answer.status} ${answer.text}`)
  return answer.json as { ok: boolean; events: number; entries: number; reason?: string; firstBadEventId?: string }
}

/**
 * Polls until `check` holds, or gives up after `tries` reads (bounded by count, not by the clock: a
 * slow machine takes longer, it does not fail); returns the last value.
 */
export const eventually = async <A>(get: () => Promise<A>, check: (a: A) => boolean, tries = 200): Promise<A> => {
  for (let i = 1; ; i++) {
    const value = await get()
    if (check(value) || i >= tries) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A Logto-shaped error body: `{ code: string, message: string }`. */
export const isLogtoShaped = (json: unknown, code?: string): boolean =>
  typeof json === "object" &&
  json !== null &&
  typeof (json as { code?: unknown }).code === "string" &&
  typeof (json as { message?: unknown }).message === "string" &&
  (code === undefined || (json as { code: string }).code === code)

/** A Zipf(s) sampler over `n` ranks (0 is the most popular). */
export const zipf = (n: number, s: number, random: () => number) => {
  const weights = Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, s))
  const total = weights.reduce((a, b) => a + b, 0)
  const cumulative: Array<number> = []
  let acc = 0
  for (const w of weights) cumulative.push((acc += w / total))
  return () => {
    const r = random()
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < r) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
