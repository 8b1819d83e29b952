/**
 * The system under test: the fake Logto from `@orgkit/testing` on a loopback port (demo data, a
 * static token for direct calls, an M2M client for the proxy), and the proxy in front of it: its
 * Node server (`startNodeProxy`: `@hono/node-server` plus the keep-alive upstream), or its Worker
 * in workerd (Miniflare, listening on a loopback port, the cache's Durable Objects bound). Each
 * suite gets its own pair, so the fake's request log holds only this suite's traffic.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { convertV4MiniflareOptions, Miniflare } from "miniflare"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startLoopbackProxy } from "../../fixtures/node-proxy.ts"
import { buildWorker } from "../../fixtures/worker-build.ts"

/** The fake's static token (direct calls). */
export const directToken = "reliability-direct-token-01"

const m2m = { clientId: "reliability-proxy", clientSecret: "reliability-proxy-secret" } as const

/** The proxy keys the suite uses. */
export const keys = {
  admin: { id: "admin", name: "Platform", key: "reliability-admin-key-0001", scopes: ["read", "write"] },
  reader: { id: "reader", name: "Support", key: "reliability-reader-key-001", scopes: ["read"] },
  acme: {
    id: "acme",
    name: "Acme integration",
    key: "reliability-acme-key-00001",
    scopes: ["read", "write"],
    organizations: [Demo.ids.organizations.acme, Demo.ids.organizations.initech]
  }
} as const

/** Who calls: a configured key by name. */
export type KeyName = keyof typeof keys

/** Members of the demo organizations (the fake checks membership first on per-member role routes). */
export const members: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  [
    Demo.ids.organizations.acme,
    new Set<string>([Demo.ids.users.alice, Demo.ids.users.bob, Demo.ids.applications.billing])
  ],
  [Demo.ids.organizations.globex, new Set<string>([Demo.ids.users.carol, Demo.ids.users.dave])]
])

/** One line of the proxy's JSON log. */
export type LogLine = Readonly<Record<string, unknown>>

/** A running fake and proxy. */
export interface Stack {
  readonly fake: Awaited<ReturnType<typeof FakeLogto.serve>>
  /** Where the proxy listens (`http://127.0.0.1:<port>`). */
  readonly proxy: { readonly url: string }
  /** The proxy's log lines at level `error` (a proxy bug logs one). */
  readonly errorLines: Array<LogLine>
  /** How many log lines the proxy wrote. */
  readonly logLines: () => number
  readonly close: () => Promise<void>
}

const startFake = () =>
  FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [m2m]
  })

/** The proxy's configuration, the same on both runtimes. */
const proxyEnv = (fakeUrl: string, upstreamTimeoutMs: number) => ({
  LOGTO_ENDPOINT: fakeUrl,
  LOGTO_M2M_CLIENT_ID: m2m.clientId,
  LOGTO_M2M_CLIENT_SECRET: m2m.clientSecret,
  ORGKIT_API_KEYS: JSON.stringify(Object.values(keys)),
  ORGKIT_UPSTREAM_TIMEOUT_MS: String(upstreamTimeoutMs)
})

/** Starts the fake and the proxy's Node server (upstream timeout `upstreamTimeoutMs`). */
export const startStack = async (upstreamTimeoutMs = 5_000): Promise<Stack> => {
  const fake = await startFake()
  const errorLines: Array<LogLine> = []
  let lines = 0
  const proxy = await startLoopbackProxy(proxyEnv(fake.url, upstreamTimeoutMs), {
    log: (line) => {
      lines++
      if (line["level"] === "error") errorLines.push(line)
    }
  })
  return {
    fake,
    proxy,
    errorLines,
    logLines: () => lines,
    close: async () => {
      await proxy.close()
      await fake.close()
    }
  }
}

/**
 * Starts the fake and the proxy's Worker in workerd, bundled as wrangler would, with the cache on
 * (its Durable Objects) and the audit trail off (the bad-input suite forwards nothing; the audit
 * trail in workerd has its own suites).
 */
export const startWorkerStack = async (upstreamTimeoutMs = 5_000): Promise<Stack> => {
  const fake = await startFake()
  const dir = mkdtempSync(join(tmpdir(), "orgkit-reliability-worker-"))
  const errorLines: Array<LogLine> = []
  let lines = 0
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      cf: false,
      modules: true,
      scriptPath: await buildWorker(dir),
      modulesRoot: dir,
      compatibilityDate: "2026-11-01",
      bindings: { ...proxyEnv(fake.url, upstreamTimeoutMs), ORGKIT_CACHE: "on", ORGKIT_AUDIT: "off" },
      durableObjects: {
        ORGKIT_CACHE_SHARDS: { className: "CacheShard", useSQLite: true },
        ORGKIT_CACHE_REGISTRY: { className: "CacheRegistry", useSQLite: true }
      },
      // The proxy logs one JSON line per request with `console.log`/`console.error`.
      handleStructuredLogs: ({ level, message }) => {
        lines++
        let line: LogLine = { level, message }
        try {
          line = JSON.parse(message) as LogLine
        } catch {}
        if (level === "error" || line["level"] === "error") errorLines.push(line)
      }
    })
  )
  const url = (await mf.ready).origin
  return {
    fake,
    proxy: { url },
    errorLines,
    logLines: () => lines,
    close: async () => {
      await mf.dispose()
      await fake.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
