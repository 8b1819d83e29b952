/**
 * The local demo: `pnpm --filter @orgkit/edge-proxy start`. Starts the fake Logto from
 * `@orgkit/testing` on a loopback port (seeded with its demo data; the proxy reaches it with the
 * client-credentials grant, as it would reach Logto), then the proxy on `PORT` (default 8787) with
 * one key holding every scope (`ORGKIT_DEMO_KEY`, or a random one), and prints how to call it.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import * as Result from "effect/Result"
import { startNodeProxy } from "./adapters/node/server.ts"
import { decodeNodeConfig } from "./config.ts"
import { isToken, tokenForm } from "./internal/setting.ts"
import { scopes } from "./principal.ts"

const given = process.env["ORGKIT_DEMO_KEY"]
if (given !== undefined && !isToken(given)) {
  console.error(`Invalid configuration:\n  - ORGKIT_DEMO_KEY: expected ${tokenForm}`)
  process.exit(1)
}
const demoKey = given ?? `orgkit-demo-${crypto.randomUUID().replaceAll("-", "")}`

const fake = await FakeLogto.serve({ host: "127.0.0.1", port: 0, seed: Demo.seed, clients: [Demo.client] })

const config = decodeNodeConfig({
  // The demo's audit trail lives in memory unless ORGKIT_AUDIT_DB_PATH names a file.
  ORGKIT_AUDIT_DB_PATH: ":memory:",
  ...process.env,
  // Loopback only: the demo key has every scope. ORGKIT_DEMO_HOST asks for another address (a
  // stray HOST in the environment does not).
  HOST: process.env["ORGKIT_DEMO_HOST"] ?? "127.0.0.1",
  LOGTO_ENDPOINT: fake.url,
  LOGTO_M2M_CLIENT_ID: Demo.client.clientId,
  LOGTO_M2M_CLIENT_SECRET: Demo.client.clientSecret,
  LOGTO_API_RESOURCE: FakeLogto.resource,
  ORGKIT_API_KEYS: JSON.stringify([{ id: "demo", name: "Demo (every scope)", key: demoKey, scopes }])
})
if (Result.isFailure(config)) {
  console.error(config.failure.message)
  await fake.close()
  process.exit(1)
}

const proxy = await startNodeProxy(config.success).catch(async (error: unknown) => {
  console.error(`Could not start the proxy on ${config.success.host}:${config.success.port}: ${String(error)}`)
  await fake.close()
  process.exit(1)
})

const org = Demo.ids.organizations.acme
console.log(`
orgkit edge proxy (demo), in front of the embedded fake Logto at ${fake.url}

  proxy:    ${proxy.url}
  docs:     ${proxy.url}/docs
  audit:    ${proxy.url}/audit/events   (metrics: ${proxy.url}/metrics)
demo key: ${demoKey}

  curl -s -H "Authorization: Bearer ${demoKey}" ${proxy.url}/api/organizations
  curl -s -H "Authorization: Bearer ${demoKey}" ${proxy.url}/api/organizations/${org}/users
  curl -s -X POST -H "Authorization: Bearer ${demoKey}" -H "Content-Type: application/json" \\
    -d '{"name":"Initrode"}' ${proxy.url}/api/organizations
  curl -s -H "Authorization: Bearer ${demoKey}" ${proxy.url}/audit/events

One JSON log line per request follows. Ctrl-C stops both servers.
`)

const stop = async () => {
  await proxy.close(config.success.server.shutdownGraceMs)
  await fake.close()
  process.exit(0)
}
process.once("SIGINT", () => void stop())
process.once("SIGTERM", () => void stop())
