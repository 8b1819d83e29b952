/**
 * The system under test: the fake Logto from `@orgkit/testing` on a loopback port (demo data, a
 * static token for direct calls, an M2M client for the proxy), and the proxy's Node server
 * (`startNodeProxy`: `@hono/node-server` plus the keep-alive upstream) in front of it. Each suite
 * gets its own pair, so the fake's request log holds only this suite's traffic.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import { Result } from "effect"
import { type NodeProxy, startNodeProxy } from "../../../src/adapters/node/server.ts"
import { decodeNodeConfig } from "../../../src/config.ts"

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
  readonly proxy: NodeProxy
  /** The proxy's log lines at level `error` (a proxy bug logs one). */
  readonly errorLines: Array<LogLine>
  /** How many log lines the proxy wrote. */
  readonly logLines: () => number
  readonly close: () => Promise<void>
}

/** Starts the fake and the proxy (upstream timeout `upstreamTimeoutMs`). */
export const startStack = async (upstreamTimeoutMs = 5_000): Promise<Stack> => {
  const fake = await FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [m2m]
  })
  const config = decodeNodeConfig({
    LOGTO_ENDPOINT: fake.url,
    LOGTO_M2M_CLIENT_ID: m2m.clientId,
    LOGTO_M2M_CLIENT_SECRET: m2m.clientSecret,
    ORGKIT_API_KEYS: JSON.stringify(Object.values(keys)),
    ORGKIT_UPSTREAM_TIMEOUT_MS: String(upstreamTimeoutMs),
    HOST: "127.0.0.1",
    PORT: "0"
  })
  if (Result.isFailure(config)) throw config.failure
  const errorLines: Array<LogLine> = []
  let lines = 0
  const proxy = await startNodeProxy(config.success, {
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
