import { proxyCodes, ProxyError } from "../../errors.ts"

/** 413: the body is over the limit. */
export const payloadTooLarge = (limit: number): ProxyError =>
  new ProxyError(413, {
    code: proxyCodes.payloadTooLarge,
    message: `The request body is larger than ${limit} bytes.`
  })

/**
 * Reads a request body, refusing (413) as soon as it is known to exceed `limit` bytes: from
 * `Content-Length` before reading, or while streaming, without buffering more than `limit + chunk`.
 * A refused body is left readable (the stream released, not cancelled), so that the Worker entry
 * can still drain it before its answer leaves (`adapters/workers/drain.ts`).
 */
export const readBody = async (request: Request, limit: number): Promise<Uint8Array> => {
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > limit) throw payloadTooLarge(limit)
  if (request.body === null) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The caller hung up or sent a malformed body: its mistake, not the proxy's.
      throw new ProxyError(400, {
        code: proxyCodes.bodyIncomplete,
        message: "The request body ended before it was complete."
      })
    })
    if (done) break
    total += value.byteLength
    if (total > limit) {
      reader.releaseLock()
      throw payloadTooLarge(limit)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
