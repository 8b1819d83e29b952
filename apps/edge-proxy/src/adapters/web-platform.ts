/**
 * The `Platform` port over Web APIs both runtimes have (`Date`, `crypto.randomUUID`,
 * `crypto.subtle`), and the JSON-lines log sink.
 */
import type { LogSink, Platform } from "../ports.ts"

/** Clock, ids and digests from the Web platform. */
export const webPlatform: Platform = {
  now: () => Date.now(),
  randomId: () => crypto.randomUUID(),
  digest: async (algorithm, data) => new Uint8Array(await crypto.subtle.digest(algorithm, data as BufferSource))
}

/** One JSON object per line on stdout (Workers Logs pick it up as structured). */
export const jsonLines: LogSink = (line) => console.log(JSON.stringify(line))
