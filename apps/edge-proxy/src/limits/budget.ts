/**
 * The upstream budget: what every proxy instance together may send to Logto (`ORGKIT_UPSTREAM_BUDGET`;
 * Logto Cloud allows about 200 requests per 10 s per tenant), as pure state. Token requests count;
 * writes keep a reserved share that reads cannot take; reads are shared fairly between the keys
 * active in the last three windows (past its share a key gets only what the others could not still
 * claim, and nothing while another waits); a 429
 * from Logto pauses everything for its `Retry-After`.
 *
 * The window slides: at most `requests` grants in any `perSeconds`, so Logto's own window, wherever
 * it starts, never sees more than the budget.
 */
import type { Rate } from "./rate.ts"

/** What a request to Logto is, for the budget. */
export type Kind = "read" | "write" | "token"

/** The budget's settings. */
export interface BudgetPolicy {
  readonly rate: Rate
  /** The share of the budget only writes (and token requests) may use, 0 to 0.9. */
  readonly writeShare: number
}

/** The budget's answer. */
export type Grant = { readonly granted: true } | { readonly granted: false; readonly retryAfterMs: number }

/** `BudgetState` as JSON. */
export interface BudgetJson {
  readonly all: ReadonlyArray<number>
  readonly reads: ReadonlyArray<number>
  readonly byKey: Readonly<Record<string, ReadonlyArray<number>>>
  readonly waiting: Readonly<Record<string, number>>
  readonly seen: Readonly<Record<string, number>>
  readonly pausedUntil: number
}

/** How long a refused key counts as waiting (it asks again within this time while it waits). */
const waitingMs = 250

/** Grant times, oldest first, within the window. */
class Log {
  readonly times: Array<number> = []
  prune(since: number): void {
    let drop = 0
    while (drop < this.times.length && this.times[drop]! <= since) drop++
    if (drop > 0) this.times.splice(0, drop)
  }
  get size(): number {
    return this.times.length
  }
}

/** The budget's state in one place (a process, a Durable Object, or read back from Redis). */
export class BudgetState {
  private readonly all = new Log()
  private readonly reads = new Log()
  private readonly readsByKey = new Map<string, Log>()
  private readonly waitingUntil = new Map<string, number>()
  /** When each key last asked for a read: a key is active for three windows after that. */
  private readonly lastSeen = new Map<string, number>()
  private pausedUntil = 0
  private readonly policy: BudgetPolicy

  constructor(policy: BudgetPolicy) {
    this.policy = policy
  }

  private get windowMs(): number {
    return this.policy.rate.perSeconds * 1000
  }

  private get readLimit(): number {
    return Math.max(1, Math.floor(this.policy.rate.requests * (1 - this.policy.writeShare)))
  }

  private prune(now: number): void {
    const since = now - this.windowMs
    this.all.prune(since)
    this.reads.prune(since)
    for (const [key, log] of this.readsByKey) {
      log.prune(since)
      if (log.size === 0 && !((this.waitingUntil.get(key) ?? 0) > now)) this.readsByKey.delete(key)
    }
    for (const [key, until] of this.waitingUntil) if (until <= now) this.waitingUntil.delete(key)
    for (const [key, at] of this.lastSeen) if (now - at >= 3 * this.windowMs) this.lastSeen.delete(key)
  }

  private othersWaiting(key: string, now: number): boolean {
    for (const [other, until] of this.waitingUntil) if (other !== key && until > now) return true
    return false
  }

  /** Active keys: those that asked for a read in the last three windows, or wait for one. */
  private activeKeys(key: string): Set<string> {
    return new Set([...this.lastSeen.keys(), ...this.waitingUntil.keys(), key])
  }

  /**
   * Takes one request of `kind` for `key` (the caller's key id; token requests have none), or says
   * how long to wait (until the pause ends, or until the oldest grant leaves the window).
   */
  take(kind: Kind, key: string | undefined, now: number): Grant {
    this.prune(now)
    if (now < this.pausedUntil) return { granted: false, retryAfterMs: this.pausedUntil - now }
    const refuse = (log: Log): Grant => {
      if (key !== undefined) this.waitingUntil.set(key, now + waitingMs)
      return { granted: false, retryAfterMs: Math.max(1, (log.times[0] ?? now) + this.windowMs - now) }
    }
    if (this.all.size >= this.policy.rate.requests) return refuse(this.all)
    if (kind === "read") {
      if (this.reads.size >= this.readLimit) return refuse(this.reads)
      if (key !== undefined) {
        this.lastSeen.set(key, now)
        const own = this.readsByKey.get(key) ?? new Log()
        const active = this.activeKeys(key)
        const share = Math.max(1, Math.floor(this.readLimit / active.size))
        if (own.size >= share) {
          // Over its share, a key may use only what no other active key could still claim, and
          // nothing while another key waits.
          let kept = 0
          for (const other of active) {
            if (other !== key) kept += Math.max(0, share - (this.readsByKey.get(other)?.size ?? 0))
          }
          if (this.othersWaiting(key, now) || this.reads.size + 1 + kept > this.readLimit) {
            return refuse(own.size > 0 ? own : this.reads)
          }
        }
        own.times.push(now)
        this.readsByKey.set(key, own)
      }
      this.reads.times.push(now)
    }
    if (key !== undefined) this.waitingUntil.delete(key)
    this.all.times.push(now)
    return { granted: true }
  }

  /** The state as JSON (for a store shared by several processes: Redis). */
  toJSON(): BudgetJson {
    return {
      all: this.all.times,
      reads: this.reads.times,
      byKey: Object.fromEntries([...this.readsByKey].map(([key, log]) => [key, log.times])),
      waiting: Object.fromEntries(this.waitingUntil),
      seen: Object.fromEntries(this.lastSeen),
      pausedUntil: this.pausedUntil
    }
  }

  /** A state read back from `toJSON`. */
  static fromJSON(policy: BudgetPolicy, json: BudgetJson | undefined): BudgetState {
    const state = new BudgetState(policy)
    if (json === undefined) return state
    state.all.times.push(...json.all)
    state.reads.times.push(...json.reads)
    for (const [key, times] of Object.entries(json.byKey)) {
      const log = new Log()
      log.times.push(...times)
      state.readsByKey.set(key, log)
    }
    for (const [key, until] of Object.entries(json.waiting)) state.waitingUntil.set(key, until)
    for (const [key, at] of Object.entries(json.seen)) state.lastSeen.set(key, at)
    state.pausedUntil = json.pausedUntil
    return state
  }

  /** Logto answered 429: nothing is sent until `until` (its `Retry-After`). */
  pause(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until)
  }

  /** Requests sent and left in the window, and the pause left (for `/metrics`). */
  snapshot(now: number): { readonly used: number; readonly remaining: number; readonly pausedMs: number } {
    this.prune(now)
    return {
      used: this.all.size,
      remaining: Math.max(0, this.policy.rate.requests - this.all.size),
      pausedMs: Math.max(0, this.pausedUntil - now)
    }
  }
}
