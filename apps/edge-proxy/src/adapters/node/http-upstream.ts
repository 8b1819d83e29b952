/**
 * The `Upstream` port on Node over `node:http`/`node:https` with a keep-alive agent: about 50 µs of
 * client CPU per exchange against ~130 µs for the global `fetch` (see notes/perf-anchors.md §6).
 */
import http from "node:http"
import https from "node:https"
import { type Upstream, UpstreamFailure } from "../../ports.ts"

/** Options of `nodeHttpUpstream`. */
export interface NodeHttpUpstreamOptions {
  /** Logto's origin, e.g. `https://tenant.logto.app`. */
  readonly origin: string
  /** Sockets kept per upstream host (default 64). */
  readonly maxSockets?: number
}

/** An `Upstream` with a `close()` that drops its idle sockets. */
export interface NodeHttpUpstream extends Upstream {
  readonly close: () => void
}

interface Failure {
  readonly reason: "timeout" | "unavailable"
  readonly cause: unknown
  readonly retryable: boolean
}

/**
 * Sends each request over a keep-alive connection. The deadline covers the whole exchange; a
 * request that hits a kept-alive socket the server had just closed (`ECONNRESET` on a reused
 * socket, before any answer) is sent once more on a fresh socket, as Node's documentation advises.
 */
/** The largest header block accepted from Logto (its `Link` lines for a long `q`). */
const maxResponseHeaderBytes = 1_048_576

export const nodeHttpUpstream = (options: NodeHttpUpstreamOptions): NodeHttpUpstream => {
  const url = new URL(options.origin)
  const secure = url.protocol === "https:"
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 }
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions)
  const request = secure ? https.request : http.request
  const port = url.port === "" ? undefined : Number(url.port)

  const once = (
    req: Parameters<Upstream["send"]>[0]
  ): Promise<{ status: number; headers: Headers; body: Uint8Array } | Failure> =>
    new Promise((resolve) => {
      let settled = false
      const finish = (value: { status: number; headers: Headers; body: Uint8Array } | Failure) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(value)
      }
      const outgoing = request({
        agent,
        protocol: url.protocol,
        hostname: url.hostname,
        port,
        method: req.method,
        path: req.target,
        // Logto's `Link` lines echo the query twice each: a long `q` overflows Node's 16 KiB default.
        maxHeaderSize: maxResponseHeaderBytes,
        headers:
          req.body === undefined ? req.headers : { ...req.headers, "content-length": String(req.body.byteLength) }
      })
      const timer = setTimeout(() => {
        finish({ reason: "timeout", cause: new Error(`no answer within ${req.timeoutMs} ms`), retryable: false })
        outgoing.destroy()
      }, req.timeoutMs)
      outgoing.on("error", (error: NodeJS.ErrnoException) =>
        finish({
          reason: "unavailable",
          cause: error,
          // A reused keep-alive socket that Logto closed first: the request never reached it when
          // nothing was written yet, but a reset can also come after the bytes left. Only a request
          // safe to send twice is sent again (at most once for the rest: its outcome is unknown).
          retryable: req.idempotent && outgoing.reusedSocket && error.code === "ECONNRESET"
        })
      )
      outgoing.on("response", (incoming) => {
        const chunks: Array<Buffer> = []
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
        incoming.on("error", (error) => finish({ reason: "unavailable", cause: error, retryable: false }))
        incoming.on("aborted", () =>
          finish({ reason: "unavailable", cause: new Error("the answer was cut off"), retryable: false })
        )
        incoming.on("end", () => {
          const headers = new Headers()
          const raw = incoming.rawHeaders
          for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
          finish({
            status: incoming.statusCode ?? 502,
            headers,
            body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
          })
        })
      })
      outgoing.end(
        req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength)
      )
    })

  return {
    send: async (req) => {
      let result = await once(req)
      if ("reason" in result && result.retryable) result = await once(req)
      if ("reason" in result) {
        throw new UpstreamFailure(
          result.reason,
          result.reason === "timeout"
            ? `no answer from Logto within ${req.timeoutMs} ms`
            : `Logto could not be reached: ${String(result.cause)}`,
          { cause: result.cause }
        )
      }
      return result
    },
    close: () => agent.destroy()
  }
}
