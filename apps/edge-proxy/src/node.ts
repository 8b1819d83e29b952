/**
 * The Node entry: `pnpm --filter @orgkit/edge-proxy run start:node`. Reads the configuration from
 * `process.env` (README.md lists it), exits with a message naming the setting if it is invalid,
 * and stops cleanly on SIGINT/SIGTERM.
 */
import * as Result from "effect/Result"
import { startNodeProxy } from "./adapters/node/server.ts"
import { decodeNodeConfig } from "./config.ts"

const config = decodeNodeConfig(process.env)
if (Result.isFailure(config)) {
  console.error(config.failure.message)
  process.exit(1)
}
const proxy = await startNodeProxy(config.success).catch((error: unknown) => {
  // One line, no stack: the address in use, a permission, an unreadable audit file.
  console.error(`Could not start the proxy on ${config.success.host}:${config.success.port}: ${String(error)}`)
  process.exit(1)
})
console.log(JSON.stringify({ level: "info", msg: "listening", url: proxy.url, upstream: config.success.logtoEndpoint }))

const stop = (signal: string) => {
  const graceMs = config.success.server.shutdownGraceMs
  console.log(JSON.stringify({ level: "info", msg: "stopping", signal, graceMs }))
  void proxy.close(graceMs).then(() => process.exit(0))
}
process.once("SIGINT", () => stop("SIGINT"))
process.once("SIGTERM", () => stop("SIGTERM"))
