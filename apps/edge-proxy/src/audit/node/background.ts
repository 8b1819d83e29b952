/**
 * The background work of a Node-side audit store (SQLite or PostgreSQL): dead letters delivered
 * again on a timer, and while checkpoints are on, a `start` checkpoint now and a heartbeat at least
 * every `heartbeatMs` (the "checkpoints are off" line otherwise).
 */
import { heartbeatMs as defaultHeartbeatMs } from "../checkpoint.ts"
import type { DeadLetterBox } from "../dead-letters.ts"
import type { ChainWriter } from "../journal.ts"
import type { SigningKey } from "../keys.ts"
import { checkpointsOffLine } from "../settings.ts"

/** Options of `startBackgroundWork`. */
export interface BackgroundOptions {
  readonly box: DeadLetterBox
  readonly writer: ChainWriter
  readonly signingKey: SigningKey | undefined
  readonly log: (line: Readonly<Record<string, unknown>>) => void
  /** Redeliver this often (ms); 0 turns it off. Default 60 s. */
  readonly redeliverEveryMs?: number | undefined
  readonly onRedeliveryError?: ((error: unknown) => void) | undefined
  /** The heartbeat (ms); 0 turns it off. Default 60 s. */
  readonly heartbeatMs?: number | undefined
}

/**
 * Starts the timers (unref'd: they never keep the process alive); returns what stops them.
 *
 * @example
 * const stop = startBackgroundWork({ box, writer, signingKey, log })
 */
export const startBackgroundWork = (options: BackgroundOptions): (() => void) => {
  const { box, writer, log } = options
  const every = options.redeliverEveryMs ?? 60_000
  const redelivery =
    every > 0
      ? setInterval(() => {
          box.redeliver(writer).catch((error: unknown) => options.onRedeliveryError?.(error))
        }, every)
      : undefined
  redelivery?.unref()
  const beat = options.heartbeatMs ?? defaultHeartbeatMs
  const heartbeatFailed = (error: unknown) =>
    log({ level: "error", msg: "audit checkpoint failed", error: String(error) })
  let heartbeat: ReturnType<typeof setInterval> | undefined
  if (options.signingKey === undefined) log(checkpointsOffLine)
  else {
    // The `start` checkpoint now; then at least one a minute.
    writer.heartbeat().catch(heartbeatFailed)
    if (beat > 0) {
      heartbeat = setInterval(() => void writer.heartbeat().catch(heartbeatFailed), beat)
      heartbeat.unref()
    }
  }
  return () => {
    if (redelivery !== undefined) clearInterval(redelivery)
    if (heartbeat !== undefined) clearInterval(heartbeat)
  }
}
