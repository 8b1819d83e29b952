/**
 * The CPU time of one isolate in workerd, from a V8 CPU profile taken through workerd's inspector
 * (Miniflare's `inspectorPort`; one target per Worker, `core:user:<name>`, each Worker its own
 * isolate). Several isolates share a workerd process, so /proc cannot tell them apart; a profile
 * can: its samples are the isolate's own, and its busy samples are all but `(idle)`.
 */

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string }
}

interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
}

export interface IsolateTime {
  /**
   * Samples taken while the isolate ran: its JavaScript, the runtime's code it called, `(program)`
   * (native work inside the isolate) and `(garbage collector)`. Times the sampling interval, an
   * estimate of the time the isolate was entered.
   */
  readonly busySamples: number
  /** Samples of the isolate entered but waiting for work. */
  readonly idleSamples: number
}

/**
 * Busy and idle samples of a profile. Counts, not `timeDeltas`: measured here, a profile of one
 * isolate under load holds far fewer samples than its span over the interval (samples are taken
 * while the isolate is entered), and its deltas also span the thread's time in the process's other
 * isolates (the busy deltas of two isolates of one process add up to more than the process's CPU).
 */
export const isolateTime = (profile: Profile): IsolateTime => {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id))
  const idleSamples = profile.samples.filter((node) => idle.has(node)).length
  return { busySamples: profile.samples.length - idleSamples, idleSamples }
}

/** A session with one Worker's isolate through workerd's inspector. */
const connect = async (inspectorPort: number, worker: string) => {
  const socket = new WebSocket(`ws://127.0.0.1:${inspectorPort}/core:user:${worker}`)
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true })
    socket.addEventListener("error", () => reject(new Error(`inspector of ${worker}: cannot connect`)), { once: true })
  })
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } }
    const waiter = message.id === undefined ? undefined : pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id!)
    if (message.error) waiter.reject(new Error(`inspector of ${worker}: ${message.error.message}`))
    else waiter.resolve(message.result)
  })
  let next = 0
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++next
      pending.set(id, { resolve, reject })
      socket.send(JSON.stringify({ id, method, params }))
    })
  return { send, close: () => socket.close() }
}

/**
 * Profiles one Worker's isolate from now until the returned function is called, which gives its
 * busy and idle samples over that span. `intervalMicros` is V8's sampling interval.
 */
export const profileIsolate = async (
  inspectorPort: number,
  worker: string,
  intervalMicros = 250
): Promise<() => Promise<IsolateTime>> => {
  const session = await connect(inspectorPort, worker)
  await session.send("Profiler.enable")
  await session.send("Profiler.setSamplingInterval", { interval: intervalMicros })
  await session.send("Profiler.start")
  return async () => {
    try {
      const { profile } = (await session.send("Profiler.stop")) as { profile: Profile }
      return isolateTime(profile)
    } finally {
      session.close()
    }
  }
}
