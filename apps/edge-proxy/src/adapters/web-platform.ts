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

const ranks = { info: 0, warn: 1, error: 2, silent: 3 } as const

/**
 * Keeps only lines at `level` or above (`ORGKIT_LOG_LEVEL`): `info` everything, `warn` 4xx/5xx request
 * lines and warnings, `error` 5xx and errors, `silent` nothing.
 */
export const atLevel = (sink: LogSink, level: keyof typeof ranks): LogSink => {
  if (level === "info") return sink
  const min = ranks[level]
  return (line) => {
    const rank = ranks[line["level"] as keyof typeof ranks] ?? 0
    if (rank >= min) sink(line)
  }
}
