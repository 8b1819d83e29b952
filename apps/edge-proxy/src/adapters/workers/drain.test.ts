import { afterEach, describe, expect, it, vi } from "vitest"
import { readBody } from "../../middleware/validate/read-body.ts"
import { drainLimit, drainMillis, drainUnread } from "./drain.ts"

const mib = 1024 * 1024

/** A request whose body is `chunks` chunks of `size` bytes; `pulled()` says how many were read. */
const streamed = (chunks: number, size: number, headers: Record<string, string> = {}) => {
  let pulled = 0
  // No high-water mark: a chunk is made only when someone reads.
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled === chunks) return controller.close()
        pulled++
        controller.enqueue(new Uint8Array(size))
      }
    },
    { highWaterMark: 0 }
  )
  const request = new Request("https://proxy.example/api/organizations", {
    method: "POST",
    headers,
    body,
    duplex: "half"
  } as RequestInit)
  return { request, pulled: () => pulled }
}

/** A request that announces a body and never sends a byte of it. */
const silent = (headers: Record<string, string>) =>
  new Request("https://proxy.example/api/organizations", {
    method: "POST",
    headers,
    body: new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }),
    duplex: "half"
  } as RequestInit)

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { status?: number }) => error.status
  )

afterEach(() => vi.useRealTimers())

describe("a refused body is read to its end before the Worker's 413 leaves (workerd stops reading once answered)", () => {
  it("drains an announced body over the limit, which readBody refused without reading", async () => {
    const { pulled, request } = streamed(48, 64 * 1024, { "content-length": String(3 * mib) })
    expect(await refusal(readBody(request, mib))).toBe(413)
    await drainUnread(request)
    expect(pulled()).toBe(48)
  })

  it("drains a streamed body past the limit, which readBody released rather than cancelled", async () => {
    const { pulled, request } = streamed(48, 64 * 1024)
    expect(await refusal(readBody(request, mib))).toBe(413)
    await drainUnread(request)
    expect(pulled()).toBe(48)
  })

  it("reads at most drainLimit bytes (and one chunk) of what is left of a refused body", async () => {
    const { pulled, request } = streamed(2 * (drainLimit / mib), mib)
    expect(await refusal(readBody(request, mib))).toBe(413)
    const readByApp = pulled()
    await drainUnread(request)
    expect(pulled() - readByApp).toBeLessThanOrEqual(drainLimit / mib + 1)
    expect(pulled() - readByApp).toBeGreaterThan(drainLimit / mib)
    expect(pulled()).toBeLessThan(2 * (drainLimit / mib))
  })

  it("answers at once, reading nothing, a caller waiting for 100-continue or announcing more than drainLimit", async () => {
    const waiting = streamed(48, 64 * 1024, { "content-length": String(3 * mib), expect: "100-continue" })
    expect(await refusal(readBody(waiting.request, mib))).toBe(413)
    await drainUnread(waiting.request)
    expect(waiting.pulled()).toBe(0)
    const huge = streamed(48, 64 * 1024, { "content-length": String(drainLimit + 1) })
    expect(await refusal(readBody(huge.request, mib))).toBe(413)
    await drainUnread(huge.request)
    expect(huge.pulled()).toBe(0)
  })

  it("stops waiting for a body that never comes after drainMillis (fake timers)", async () => {
    vi.useFakeTimers()
    const request = silent({ "content-length": String(3 * mib) })
    expect(await refusal(readBody(request, mib))).toBe(413)
    const pending = drainUnread(request).then(() => "drained")
    await vi.advanceTimersByTimeAsync(drainMillis)
    expect(await pending).toBe("drained")
  })
})

describe("drainUnread: a body the app answered without reading", () => {
  it("is read to its end; a used body, a 100-continue or an oversized announcement is left alone", async () => {
    const unread = streamed(10, 1024)
    await drainUnread(unread.request)
    expect(unread.pulled()).toBe(10)
    const used = streamed(10, 1024)
    await used.request.arrayBuffer()
    await drainUnread(used.request)
    const waiting = streamed(10, 1024, { expect: "100-continue" })
    await drainUnread(waiting.request)
    expect(waiting.pulled()).toBe(0)
    const huge = streamed(10, 1024, { "content-length": String(drainLimit + 1) })
    await drainUnread(huge.request)
    expect(huge.pulled()).toBe(0)
  })
})
