/**
 * The Node log sink: one JSON object per line on stdout, written in batches (at most every
 * `flushMs`, or as soon as 64 KiB are pending) instead of one `write` per request, so a busy proxy
 * pays a few system calls per second for its log, not one per request. Lines are flushed on `close`
 * and before the process exits; a process killed outright loses at most the last `flushMs`.
 */
import type { LogSink } from "../../ports.ts"

/** A log sink that also takes preformatted JSON lines, and can be flushed. */
export interface BufferedLog extends LogSink {
  /** Queues one line of JSON text, as is (the hit path formats its own). */
  readonly raw: (json: string) => void
  readonly flush: () => void
}

const open = new Set<() => void>()
let exitHook = false

const maxPending = 65_536

/** JSON lines to `stream` (default stdout), batched. */
export const bufferedJsonLines = (
  stream: { write(text: string): unknown } = process.stdout,
  flushMs = 10
): BufferedLog => {
  let pending = ""
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (pending === "") return
    const text = pending
    pending = ""
    stream.write(text)
  }
  const raw = (json: string) => {
    pending += `${json}\n`
    if (pending.length >= maxPending) flush()
    else if (timer === undefined) {
      timer = setTimeout(flush, flushMs)
      timer.unref()
    }
  }
  const sink = (line: Readonly<Record<string, unknown>>) => raw(JSON.stringify(line))
  open.add(flush)
  if (!exitHook) {
    exitHook = true
    process.once("exit", () => {
      for (const f of open) f()
    })
  }
  return Object.assign(sink, { raw, flush })
}
