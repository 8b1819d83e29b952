/**
 * The `Upstream` port over a WHATWG `fetch` function: the global `fetch` on Workers, or a fetch
 * handler (the embedded fake) anywhere.
 */
import { type Upstream, UpstreamFailure } from "../ports.ts"

/** Options of `fetchUpstream`. */
export interface FetchUpstreamOptions {
  /** Logto's origin, e.g. `https://tenant.logto.app`. */
  readonly origin: string
  readonly fetch: (request: Request) => Promise<Response>
}

const isTimeout = (error: unknown, signal: AbortSignal): boolean =>
  signal.aborted || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))

/**
 * Sends each request to `origin + target` with a deadline covering the whole exchange (headers and
 * body); redirects are not followed. A deadline hit is a `timeout`, any other failure `unavailable`.
 */
export const fetchUpstream = (options: FetchUpstreamOptions): Upstream => ({
  send: async (request) => {
    const signal = AbortSignal.timeout(request.timeoutMs)
    // A fetch handler may ignore the signal: the deadline is raced as well.
    const deadline = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true })
    })
    try {
      const response = await Promise.race([
        options.fetch(
          new Request(options.origin + request.target, {
            method: request.method,
            headers: request.headers,
            body: request.body === undefined ? null : (request.body as BodyInit),
            redirect: "manual",
            signal
          })
        ),
        deadline
      ])
      const body = new Uint8Array(await Promise.race([response.arrayBuffer(), deadline]))
      return { status: response.status, headers: response.headers, body }
    } catch (error) {
      if (isTimeout(error, signal)) {
        throw new UpstreamFailure("timeout", `no answer from Logto within ${request.timeoutMs} ms`, { cause: error })
      }
      throw new UpstreamFailure("unavailable", `Logto could not be reached: ${String(error)}`, { cause: error })
    }
  }
})
