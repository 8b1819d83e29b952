import { proxyCodes, ProxyError } from "../../errors.ts"

/** 413: the body is over the limit. */
export const payloadTooLarge = (limit: number): ProxyError =>
  new ProxyError(413, {
    code: proxyCodes.payloadTooLarge,
    message: `The request body is larger than ${limit} bytes.`
  })

/**
 * How much of a refused body is still read (and dropped) before the 413 is sent, and for how long.
 * A caller that writes its whole body before reading the answer would otherwise see the connection
 * reset instead of the 413: workerd, unlike Node's server, stops reading the request once the
 * Worker has answered, and the caller's write then fails. Beyond these bounds the body is cut off
 * (such a caller may then see a reset): a refused request never costs more than this much reading
 * and waiting, and never any buffering. A caller that sent `Expect: 100-continue` has sent nothing
 * yet and is answered at once.
 */
export const drainLimit = 16 * 1024 * 1024
export const drainMillis = 1_000

/** Reads and drops the rest of a body within `drainLimit` bytes and `drainMillis`; errors end it. */
const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): Promise<void> => {
  let total = alreadyRead
  const deadline = Date.now() + drainMillis
  let stopWaiting = () => {}
  try {
    while (total <= drainLimit) {
      const left = deadline - Date.now()
      if (left <= 0) break
      const next = await Promise.race([
        reader.read(),
        new Promise<undefined>((resolve) => {
          const timer = setTimeout(resolve, left)
          stopWaiting = () => clearTimeout(timer)
        })
      ])
      stopWaiting()
      if (next === undefined) break
      if (next.done) return
      total += next.value.byteLength
    }
  } catch {
    return
  } finally {
    stopWaiting()
  }
  await reader.cancel().catch(() => undefined)
}

const waitsToContinue = (request: Request): boolean =>
  (request.headers.get("expect") ?? "").toLowerCase().includes("100-continue")

/**
 * Drains a body the app answered without reading (a 401, a 403, a 404 before any body is looked
 * at), within the same bounds as a refused one. For the Worker entry: see `drainLimit`.
 */
export const drainUnread = async (request: Request): Promise<void> => {
  if (request.body === null || request.bodyUsed || waitsToContinue(request)) return
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > drainLimit) return
  await drain(request.body.getReader(), 0)
}

/**
 * Reads a request body, refusing (413) as soon as it is known to exceed `limit` bytes: from
 * `Content-Length` before reading, or while streaming, without buffering more than `limit + chunk`.
 * A refused body is drained (up to `drainLimit`) before the 413 is thrown.
 */
export const readBody = async (request: Request, limit: number): Promise<Uint8Array> => {
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > limit) {
    if (request.body !== null && Number(declared) <= drainLimit && !waitsToContinue(request)) {
      await drain(request.body.getReader(), 0)
    }
    throw payloadTooLarge(limit)
  }
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
      if (!waitsToContinue(request)) await drain(reader, total)
      else await reader.cancel().catch(() => undefined)
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
