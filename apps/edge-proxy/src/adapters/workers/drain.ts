/**
 * Drains what is left of a request body before the Worker's answer leaves. workerd, unlike Node's
 * server, stops reading a request once the Worker has answered, so a caller that writes its whole
 * body before reading (a body refused with 413, or one the app never needed: a 401, a 403, a GET's
 * body) would see the connection reset instead of the answer. The rest is read and dropped within
 * `drainLimit` bytes and `drainMillis`; beyond that the body is cut off (such a caller may then see
 * a reset), so an answered request never costs more than this much reading and waiting, and never
 * any buffering. A caller that sent `Expect: 100-continue` has sent nothing yet: nothing to drain.
 */
export const drainLimit = 16 * 1024 * 1024
export const drainMillis = 1_000

/** Drains the unread rest of `request`'s body, if there is one worth reading (see above). */
export const drainUnread = async (request: Request): Promise<void> => {
  const body = request.body
  // A body the app read, or is still reading (`locked`), is not ours to drain.
  if (body === null || body.locked) return
  if ((request.headers.get("expect") ?? "").toLowerCase().includes("100-continue")) return
  const declared = request.headers.get("content-length")
  if (declared !== null && Number(declared) > drainLimit) return
  const reader = body.getReader()
  const deadline = Date.now() + drainMillis
  let total = 0
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
