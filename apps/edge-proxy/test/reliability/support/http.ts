/**
 * Two ways to send a request over real loopback HTTP, both without any client-side normalization
 * of the request target: `node:http` with a keep-alive agent (the bulk of the suite) and a raw
 * `node:net` socket for what `node:http` refuses to send (CR/LF, NUL or 8-bit bytes in the request
 * line or a header, bogus `Content-Length`, unknown method tokens, …), with a small HTTP/1.1
 * response parser.
 */
import http from "node:http"
import net from "node:net"

/** A request as sent: the request target verbatim, headers in order (a name may repeat). */
export interface Outgoing {
  readonly method: string
  /** The request target exactly as it goes on the request line (origin form). */
  readonly target: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: Uint8Array | undefined
  /** Send the body with `Transfer-Encoding: chunked`, in pieces of this many bytes. */
  readonly chunkBytes?: number | undefined
}

/** What came back. `status` 0 means no response at all (`error` says why). */
export interface Incoming {
  readonly status: number
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  readonly error?: string
}

const joinHeaders = (raw: ReadonlyArray<string>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    out[name] = out[name] === undefined ? raw[i + 1]! : `${out[name]}, ${raw[i + 1]!}`
  }
  return out
}

/** Writes the body in pieces, waiting for `drain` (stops quietly if the server gave up on it). */
const writeChunks = async (req: http.ClientRequest, body: Uint8Array, size: number): Promise<void> => {
  for (let at = 0; at < body.byteLength; at += size) {
    if (req.destroyed) return
    if (!req.write(body.subarray(at, at + size)))
      await new Promise<void>((resolve) => {
        const done = () => {
          req.off("drain", done)
          req.off("close", done)
          resolve()
        }
        req.on("drain", done)
        req.on("close", done)
      })
  }
  if (!req.destroyed) req.end()
}

/** A keep-alive `node:http` client for one origin, one request at a time. */
export interface Client {
  readonly send: (request: Outgoing, timeoutMs: number) => Promise<Incoming>
  readonly close: () => void
}

/** Requests through `node:http` (the target is sent as given; node only refuses CTLs and spaces). */
export const httpClient = (origin: string): Client => {
  const url = new URL(origin)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const send = (request: Outgoing, timeoutMs: number) =>
    new Promise<Incoming>((resolve) => {
      let settled = false
      const done = (incoming: Incoming) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(incoming)
      }
      const headers: Record<string, string | Array<string>> = {}
      for (const [name, value] of request.headers) {
        const previous = headers[name]
        headers[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
      }
      const body = request.body
      const chunked = body !== undefined && request.chunkBytes !== undefined
      if (body !== undefined && !chunked && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length"))
        headers["content-length"] = String(body.byteLength)
      if (chunked) headers["transfer-encoding"] = "chunked"
      // Big bodies that the proxy may refuse before reading them get their own connection, so that
      // a connection closed mid-upload never poisons the keep-alive pool.
      const ownSocket = body !== undefined && body.byteLength > 65_536
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.target,
          headers,
          agent: ownSocket ? false : agent,
          setHost: !Object.keys(headers).some((h) => h.toLowerCase() === "host")
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () =>
            done({ status: res.statusCode ?? 0, headers: joinHeaders(res.rawHeaders), body: Buffer.concat(chunks) })
          )
          res.on("error", (e) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }))
        }
      )
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      req.on("error", (e) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }))
      if (body === undefined) req.end()
      else if (!chunked) req.end(body)
      else void writeChunks(req, body, Math.max(1, request.chunkBytes!))
    })
  return { send, close: () => agent.destroy() }
}

interface Parsed {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Buffer
}

const headerEnd = Buffer.from("\r\n\r\n")

/** Parses one HTTP/1.1 response from `data`; `undefined` while incomplete (`closed`: take the rest). */
const parseResponse = (data: Buffer, isHead: boolean, closed: boolean): Parsed | undefined => {
  const end = data.indexOf(headerEnd)
  if (end === -1) return undefined
  const lines = data.subarray(0, end).toString("latin1").split("\r\n")
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0)
  // An interim answer (`100 Continue`): the final one follows.
  if (status >= 100 && status < 200) return parseResponse(data.subarray(end + 4), isHead, closed)
  const raw: Array<string> = []
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":")
    if (colon > 0) raw.push(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  const headers = joinHeaders(raw)
  const rest = data.subarray(end + 4)
  if (isHead || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) }
  if ((headers["transfer-encoding"] ?? "").toLowerCase().includes("chunked")) {
    const chunks: Array<Buffer> = []
    let at = 0
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at)
      if (lineEnd === -1) return closed ? { status, headers, body: Buffer.concat(chunks) } : undefined
      const size = Number.parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16)
      if (!Number.isFinite(size)) return { status, headers, body: Buffer.concat(chunks) }
      if (size === 0) return { status, headers, body: Buffer.concat(chunks) }
      if (rest.byteLength < lineEnd + 2 + size + 2)
        return closed ? { status, headers, body: Buffer.concat([...chunks, rest.subarray(lineEnd + 2)]) } : undefined
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size))
      at = lineEnd + 2 + size + 2
    }
  }
  const length = headers["content-length"]
  if (length !== undefined) {
    const n = Number(length)
    if (rest.byteLength >= n) return { status, headers, body: rest.subarray(0, n) }
    return closed ? { status, headers, body: rest } : undefined
  }
  return closed ? { status, headers, body: rest } : undefined
}

/**
 * Writes `bytes` on a fresh TCP connection and reads one response. Resolves as soon as a complete
 * response is in (or the connection closes, or `timeoutMs` passes); `status` 0 means the server
 * closed the connection without answering.
 */
export const rawExchange = (
  origin: string,
  bytes: Uint8Array | ReadonlyArray<Uint8Array>,
  options: {
    readonly timeoutMs: number
    readonly isHead?: boolean
    /** Close our side right after writing (a client that hangs up mid-request). */
    readonly hangUp?: boolean
  }
) =>
  new Promise<Incoming & { readonly closedWithoutAnswer: boolean }>((resolve) => {
    const url = new URL(origin)
    const socket = net.connect(Number(url.port), url.hostname)
    let data = Buffer.alloc(0)
    let settled = false
    const finish = (closed: boolean, error?: string) => {
      if (settled) return
      const parsed = parseResponse(data, options.isHead ?? false, closed)
      if (parsed === undefined && !closed) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(
        parsed === undefined
          ? {
              status: 0,
              headers: {},
              body: data,
              closedWithoutAnswer: data.byteLength === 0,
              ...(error === undefined ? {} : { error })
            }
          : { ...parsed, closedWithoutAnswer: false }
      )
    }
    const timer = setTimeout(() => finish(true, `no complete answer within ${options.timeoutMs} ms`), options.timeoutMs)
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      finish(false)
    })
    // A server that answers early and closes may reset the rest of a big upload: keep what came.
    socket.on("error", (e) => finish(true, e.message))
    socket.on("close", () => finish(true))
    socket.on("connect", () => {
      const parts = bytes instanceof Uint8Array ? [bytes] : bytes
      for (const part of parts) socket.write(part)
      if (options.hangUp === true) socket.destroy()
    })
  })
