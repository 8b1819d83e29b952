/**
 * Failure injection around a real store: each write call fails with a given probability, half of
 * the time before the call (nothing happened) and half after it (it happened, the acknowledgement
 * was lost). Reads never fail. A seeded PRNG makes a run reproducible.
 */
import type { AuditStore } from "../../../src/audit/store.ts"

/** Failure probability per write method. */
export interface FaultRates {
  readonly accept: number
  readonly complete: number
  readonly deny: number
  readonly deadLetter: number
}

/** What was injected. */
export interface FaultCounts {
  before: number
  after: number
}

/** A store that fails at random until `heal()`. */
export const flakyStore = (store: AuditStore, rates: FaultRates, random: () => number) => {
  let healed = false
  const counts: Record<keyof FaultRates, FaultCounts> = {
    accept: { before: 0, after: 0 },
    complete: { before: 0, after: 0 },
    deny: { before: 0, after: 0 },
    deadLetter: { before: 0, after: 0 }
  }
  const wrap = <A>(method: keyof FaultRates, call: () => Promise<A>): Promise<A> => {
    if (healed) return call()
    const r = random()
    if (r < rates[method] / 2) {
      counts[method].before++
      return Promise.reject(new Error(`injected: ${method} failed before reaching the store`))
    }
    if (r < rates[method]) {
      return call().then(() => {
        counts[method].after++
        throw new Error(`injected: ${method} acknowledgement lost`)
      })
    }
    return call()
  }
  const flaky: AuditStore = {
    ...store,
    accept: (intent) => wrap("accept", () => store.accept(intent)),
    complete: (eventId, outcome) => wrap("complete", () => store.complete(eventId, outcome)),
    deny: (denial) => wrap("deny", () => store.deny(denial)),
    deadLetter: (letter) => wrap("deadLetter", () => store.deadLetter(letter))
  }
  return {
    store: flaky,
    counts,
    heal: () => {
      healed = true
    }
  }
}
