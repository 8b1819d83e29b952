/**
 * The Node log sink: one JSON object per line on stdout, written in batches (one `write` per turn
 * of the event loop instead of one per request), so a busy proxy does not pay a system call per
 * log line. Lines are flushed before the process exits.
 */
import type { LogSink } from "../../ports.ts"

/** A log sink that can be flushed. */
export interface BufferedLog extends LogSink {
  readonly flush: () => void
}

/** JSON lines to `stream` (default stdout), batched per event-loop turn. */
export const bufferedJsonLines = (stream: { write(text: string): unknown } = process.stdout): BufferedLog => {
  let pending: Array<string> = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending.length === 0) return
    const text = `${pending.join("\n")}\n`
    pending = []
    stream.write(text)
  }
  const sink = (line: Readonly<Record<string, unknown>>) => {
    pending.push(JSON.stringify(line))
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  process.once("exit", flush)
  return Object.assign(sink, { flush })
}
