/**
 * The proxy as a Node HTTP server (`@hono/node-server`), with the keep-alive upstream.
 */
import { serve } from "@hono/node-server"
import type { AddressInfo } from "node:net"
import { createApp, makeDeps } from "../../app.ts"
import type { NodeConfig } from "../../config.ts"
import type { LogSink, Upstream } from "../../ports.ts"
import { jsonLines, webPlatform } from "../web-platform.ts"
import { nodeHttpUpstream } from "./http-upstream.ts"

/** A running proxy. */
export interface NodeProxy {
  /** Where it listens, e.g. `http://127.0.0.1:8787`. */
  readonly url: string
  readonly port: number
  /** Stops accepting, ends open connections and drops the upstream's idle sockets. */
  readonly close: () => Promise<void>
}

/** Options of `startNodeProxy`. */
export interface StartOptions {
  /** Where log lines go (default: JSON lines on stdout). */
  readonly log?: LogSink
  /** The upstream (default: keep-alive `node:http` to `config.logtoEndpoint`). */
  readonly upstream?: Upstream
}

const displayHost = (host: string): string =>
  host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host

/** Starts the proxy on `config.host:config.port` and resolves once it is listening. */
export const startNodeProxy = async (config: NodeConfig, options: StartOptions = {}): Promise<NodeProxy> => {
  const own = options.upstream === undefined ? nodeHttpUpstream({ origin: config.logtoEndpoint }) : undefined
  const upstream = options.upstream ?? own!
  const app = createApp(makeDeps(config, { upstream, platform: webPlatform, log: options.log ?? jsonLines }))
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) =>
      resolve({ server, port: info.port })
    )
    server.once("error", reject)
  })
  return {
    url: `http://${displayHost(config.host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ("closeAllConnections" in server) server.closeAllConnections()
        own?.close()
      })
  }
}
