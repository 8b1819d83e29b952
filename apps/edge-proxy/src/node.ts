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
const proxy = await startNodeProxy(config.success)
console.log(JSON.stringify({ level: "info", msg: "listening", url: proxy.url, upstream: config.success.logtoEndpoint }))

const stop = (signal: string) => {
  console.log(JSON.stringify({ level: "info", msg: "stopping", signal }))
  void proxy.close().then(() => process.exit(0))
}
process.once("SIGINT", () => stop("SIGINT"))
process.once("SIGTERM", () => stop("SIGTERM"))
