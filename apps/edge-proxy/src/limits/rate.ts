/**
 * Rates (`200/10s`) and the fixed-window counter behind per-key quotas: pure state, kept in memory
 * on one Node process, in a Durable Object on Workers, in Redis for several Node processes.
 */

/** At most `requests` per `perSeconds`. */
export interface Rate {
  readonly requests: number
  readonly perSeconds: number
}

const pattern = /^(\d{1,9})\/(\d{1,6})s$/

/**
 * A rate written `N/Ss` (`200/10s`); `undefined` for anything else.
 *
 * @example
 * parseRate("200/10s") // { requests: 200, perSeconds: 10 }
 */
export const parseRate = (text: string): Rate | undefined => {
  const match = pattern.exec(text)
  if (match === null) return undefined
  const rate = { requests: Number(match[1]), perSeconds: Number(match[2]) }
  return rate.requests >= 1 && rate.perSeconds >= 1 ? rate : undefined
}

/** What one request's count gave. */
export interface Verdict {
  readonly allowed: boolean
  /** Requests left in the window after this one (0 when refused). */
  readonly remaining: number
  /** Milliseconds until the window resets. */
  readonly resetMs: number
}

/** One key's window: when it started and how many requests it has counted. */
export interface Window {
  startedAt: number
  used: number
}

/**
 * Counts one request against `rate` in a fixed window that starts at the first request; refused
 * requests are not counted. Exact for its definition: the same state gives the same verdicts on any
 * runtime.
 *
 * @example
 * const verdict = countIn(windows, "team-a", { requests: 100, perSeconds: 10 }, Date.now())
 */
export const countIn = (windows: Map<string, Window>, key: string, rate: Rate, now: number): Verdict => {
  const windowMs = rate.perSeconds * 1000
  let window = windows.get(key)
  if (window === undefined || now - window.startedAt >= windowMs) {
    window = { startedAt: now, used: 0 }
    windows.set(key, window)
  }
  const resetMs = window.startedAt + windowMs - now
  if (window.used >= rate.requests) return { allowed: false, remaining: 0, resetMs }
  window.used++
  return { allowed: true, remaining: rate.requests - window.used, resetMs }
}

/** Drops windows that ended before `now` (keeps the map as small as the keys active now). */
export const sweep = (windows: Map<string, Window>, now: number, longestMs: number): void => {
  for (const [key, window] of windows) if (now - window.startedAt >= longestMs) windows.delete(key)
}
