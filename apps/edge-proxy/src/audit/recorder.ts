/**
 * The audit recorder: turns the proxy's view of a request (`AuditAttempt`) into audit events and
 * delivers them to an `AuditStore`. It is the proxy's `AuditSink` (see `ports.ts`):
 *
 * - `accept` builds the write's intent and waits until the store has durably appended it; if the
 *   store fails (after one quick retry), it rejects and the proxy answers 503
 *   `proxy.audit_unavailable` without forwarding anything.
 * - `settle` records how the request ended: the outcome of an accepted write (retried with an
 *   exponential `Schedule`, then dead-lettered), or a request the proxy denied to a known key as one
 *   complete event (at most `denialsPerMinute` per key and minute; past that they are counted and
 *   summarized in one log line per key and minute).
 *
 * A request without a valid key (401) never creates a record of its own: it costs a counter
 * (`metrics()`) and, at most once a minute, a summary log line. Every stored field is capped.
 *
 * Every event also produces one JSON log line, whatever the store did (`delivery` says what).
 */
import type { RouteTable } from "@orgkit/core"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { AuditAttempt, AuditOutcome, AuditReceipt, AuditSink, LogSink } from "../ports.ts"
import type { Denial, EventData, Outcome, Targets } from "./event.ts"
import { defaultMaxRequestBytes, recordedRequest, redactUrl } from "./redact.ts"
import { defaultDenialsPerMinute } from "./settings.ts"
import type { AuditStore, DeadLetterInput } from "./store.ts"
import { defaultMaxTargets, extractTargets } from "./targets.ts"
import { uuidV7Generator, type UuidV7Generator } from "./uuid7.ts"

/** The proxy's code for a write refused because the audit store did not accept it. */
export const auditUnavailableCode = "proxy.audit_unavailable"

/** Thrown by `accept` when the store did not durably accept the intent: the write must not be forwarded. */
export class AuditUnavailable extends Error {
  readonly eventId: string
  constructor(eventId: string, options?: { readonly cause?: unknown }) {
    super("The audit trail is unavailable; the write was not forwarded.", options)
    this.name = "AuditUnavailable"
    this.eventId = eventId
  }
}

/** A request as the recorder sees it: the proxy's `AuditAttempt`, optionally with the raw body. */
export interface RecordedAttempt extends AuditAttempt {
  /** The raw body, used when there is no validated `payload` (e.g. a denied request). */
  readonly body?: Uint8Array | undefined
}

/** How a request ended, as the recorder takes it: the proxy's `AuditOutcome`, plus the created organization's id. */
export interface RecordedOutcome extends AuditOutcome {
  /** CreateOrganization: the id Logto gave the new organization (from its 201 body). */
  readonly createdId?: string | undefined
}

/** What `accept` returns: the proxy's receipt, with the event's place in the chain. */
export interface RecorderReceipt extends AuditReceipt {
  readonly seq: number
  readonly hash: string
}

/** How delivery of an event ended, as the log line reports it. */
export type Delivery = "recorded" | "duplicate" | "unknown" | "dead_lettered" | "lost" | "refused"

/** A retry policy: `times` retries after the first try, exponential from `baseDelayMs`, jittered. */
export interface RetryPolicy {
  readonly times: number
  readonly baseDelayMs: number
}

/** Options of `makeRecorder`. */
export interface RecorderOptions {
  readonly store: AuditStore
  /** The clock (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number
  /** Where the one JSON line per event goes. Default: `console.log(JSON.stringify(line))`. */
  readonly log?: LogSink
  /** Retries of `complete`/`deny` before dead-lettering. Default 5 retries from 50 ms. */
  readonly retry?: RetryPolicy
  /** Retries of `accept` before refusing the write (keep small: the caller waits). Default 1 from 10 ms. */
  readonly acceptRetry?: RetryPolicy
  /** Retries of the dead-letter write itself. Default 2 from 50 ms. */
  readonly deadLetterRetry?: RetryPolicy
  /** Cap on the recorded body (bytes of JSON). Default 8 KiB. */
  readonly maxRequestBytes?: number
  /** Cap on target ids per event. Default 1000. */
  readonly maxTargets?: number
  /**
   * The one trusted header the client IP comes from (`cf-connecting-ip` on Workers, where Cloudflare
   * sets it; on Node the header your reverse proxy sets). Of an `X-Forwarded-For` list the last
   * address is taken (the one your proxy appended). Default: none, no IP is recorded.
   */
  readonly clientIpHeader?: string | undefined
  /** Denial records per key and minute; past that they are counted and summarized. Default 60. */
  readonly denialsPerMinute?: number
  /** Event ids. Default: a UUIDv7 generator. */
  readonly ids?: UuidV7Generator
}

/** The recorder: the proxy's `AuditSink`, plus `deny` for denial paths that do not go through `settle`. */
export interface AuditRecorder extends AuditSink {
  readonly accept: (attempt: RecordedAttempt) => Promise<RecorderReceipt>
  readonly settle: (
    attempt: RecordedAttempt,
    receipt: AuditReceipt | undefined,
    outcome: RecordedOutcome
  ) => Promise<void>
  /** Records a denied request as one complete event (what `settle` does for a request without a receipt). */
  readonly deny: (attempt: RecordedAttempt, outcome: AuditOutcome) => Promise<void>
  /** Resolves once every delivery started so far has ended (for graceful shutdown, and tests). */
  readonly flush: () => Promise<void>
  /** The counters, for `/metrics`. */
  readonly counters: AuditCounters
  /** The counters as Prometheus text lines. */
  readonly metrics: () => string
  readonly store: AuditStore
}

/** What the recorder counted instead of recording. */
export interface AuditCounters {
  /** Requests answered 401 (no valid key): never recorded. */
  unauthenticated: number
  /** Denials by a known key past its per-minute ceiling: counted, not recorded. */
  denialsOverCeiling: number
}

interface DenialWindow {
  readonly minute: number
  recorded: number
  over: number
  summarized: boolean
}

class StoreFailed extends Data.TaggedError("StoreFailed")<{ readonly cause: unknown }> {}

const message = (error: unknown): string => {
  const cause = error instanceof StoreFailed ? error.cause : error
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
}

/** The client IP from the one trusted header (see `RecorderOptions.clientIpHeader`). */
export const clientIpFrom = (header: string | undefined, headers: Headers): string | null => {
  if (header === undefined) return null
  const value = headers.get(header)
  if (value === null) return null
  const last = value.split(",").at(-1)!.trim()
  return last === "" ? null : last
}

/**
 * Whether a request answered without a receipt is recorded as a denial: a known key's 403 on any of
 * the 36 operations, and its every other error status on a write (validation 400, 413, 422, …). A
 * request without a valid key (401) is not: it is counted. Writes refused because the audit store
 * failed are not either (the store is what failed; the log line has them).
 */
export const isRecordedDenial = (
  route: RouteTable.Route,
  principal: AuditAttempt["principal"],
  outcome: AuditOutcome
): boolean =>
  principal !== undefined &&
  outcome.errorCode !== auditUnavailableCode &&
  outcome.status !== 401 &&
  (outcome.status === 403 || (route.kind === "write" && outcome.status >= 400))

/** The caps of stored strings (characters). */
export const fieldCaps = {
  path: 2048,
  organizationId: 128,
  targetId: 256,
  requestId: 128,
  clientIp: 64,
  userAgent: 512,
  errorCode: 128,
  createdId: 128,
  operationId: 64,
  method: 16
} as const

const decoder = new TextDecoder()

const bodyOf = (attempt: RecordedAttempt): unknown => {
  if (attempt.payload !== undefined) return attempt.payload
  if (attempt.body === undefined || attempt.body.length === 0) return undefined
  try {
    return JSON.parse(decoder.decode(attempt.body))
  } catch {
    return { $unparsed: true, bytes: attempt.body.length }
  }
}

const cap = <A extends string | null>(text: A, max: number): A =>
  (text === null || text.length <= max ? text : `${text.slice(0, max)}…`) as A

const capTargets = (targets: Targets): Targets => {
  const out: Record<string, unknown> = {}
  for (const [kind, value] of Object.entries(targets)) {
    out[kind] = Array.isArray(value) ? value.map((id: string) => cap(id, fieldCaps.targetId)) : value
  }
  return out as Targets
}

/**
 * Builds the recorder.
 *
 * @example
 * const audit = makeRecorder({ store: openNodeAuditStore({ path: "./data/audit.sqlite" }) })
 * createApp({ ...deps, audit }) // `audit` is the proxy's AuditSink
 */
export const makeRecorder = (options: RecorderOptions): AuditRecorder => {
  const store = options.store
  const now = options.now ?? Date.now
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)))
  const retry = options.retry ?? { times: 5, baseDelayMs: 50 }
  const acceptRetry = options.acceptRetry ?? { times: 1, baseDelayMs: 10 }
  const deadLetterRetry = options.deadLetterRetry ?? { times: 2, baseDelayMs: 50 }
  const maxRequestBytes = options.maxRequestBytes ?? defaultMaxRequestBytes
  const maxTargets = options.maxTargets ?? defaultMaxTargets
  const clientIpHeader = options.clientIpHeader?.toLowerCase()
  const denialsPerMinute = options.denialsPerMinute ?? defaultDenialsPerMinute
  const ids = options.ids ?? uuidV7Generator()
  const counters: AuditCounters = { unauthenticated: 0, denialsOverCeiling: 0 }
  // The unauthenticated summary: at most one line a minute, with the count since the last one.
  let unauthenticatedSince = 0
  let unauthenticatedLoggedAt = Number.NEGATIVE_INFINITY
  // Denial records per key in the current minute, and how many were only counted.
  const denialWindows = new Map<string, DenialWindow>()
  // Closing work for refused writes, by request id, so `settle` (run under `waitUntil`) can wait for it.
  const closing = new Map<string, Set<Promise<unknown>>>()
  // Every delivery in flight, for `flush`.
  const inFlight = new Set<Promise<unknown>>()
  const track = <A>(work: Promise<A>): Promise<A> => {
    inFlight.add(work)
    void work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work)
    )
    return work
  }

  const attemptStore = <A>(call: () => Promise<A>, policy: RetryPolicy) =>
    Effect.tryPromise({ try: call, catch: (cause) => new StoreFailed({ cause }) }).pipe(
      Effect.retry({
        schedule: Schedule.exponential(Duration.millis(policy.baseDelayMs)).pipe(Schedule.jittered),
        times: policy.times
      })
    )

  /** Delivers with retries; on failure, dead-letters (with retries); on failure again, reports `lost`. */
  const deliver = <A extends string>(
    call: () => Promise<A>,
    letter: (error: string) => DeadLetterInput
  ): Promise<A | "dead_lettered" | "lost"> =>
    Effect.runPromise(
      attemptStore(call, retry).pipe(
        Effect.catch((failure) =>
          attemptStore(() => store.deadLetter(letter(message(failure))), deadLetterRetry).pipe(
            Effect.as("dead_lettered" as const),
            Effect.catch(() => Effect.succeed("lost" as const))
          )
        )
      )
    )

  const eventData = (attempt: RecordedAttempt): EventData => {
    const body = bodyOf(attempt)
    const param = attempt.route.organizationParam
    return {
      actor: attempt.principal === undefined ? "anonymous" : { id: attempt.principal.id, name: attempt.principal.name },
      operationId: cap(attempt.route.operationId, fieldCaps.operationId),
      method: cap(attempt.method, fieldCaps.method),
      path: cap(redactUrl(attempt.path), fieldCaps.path),
      organizationId: param === undefined ? null : cap(attempt.params[param] ?? null, fieldCaps.organizationId),
      targets: capTargets(extractTargets(attempt.route, attempt.params, body, maxTargets)),
      request: recordedRequest(body, maxRequestBytes),
      requestId: cap(attempt.requestId, fieldCaps.requestId),
      clientIp: cap(clientIpFrom(clientIpHeader, attempt.headers), fieldCaps.clientIp),
      userAgent: cap(attempt.headers.get("user-agent"), fieldCaps.userAgent)
    }
  }

  const outcomeOf = (outcome: RecordedOutcome): Outcome => ({
    status: outcome.status,
    errorCode: outcome.errorCode === undefined ? null : cap(outcome.errorCode, fieldCaps.errorCode),
    latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
    ...(typeof outcome.createdId === "string" && outcome.createdId !== ""
      ? { createdId: cap(outcome.createdId, fieldCaps.createdId) }
      : {}),
    ...(outcome.unknown === true ? { unknown: true as const } : {})
  })

  const logLine = (
    kind: "write" | "denial",
    id: string,
    event: EventData,
    outcome: Outcome | undefined,
    delivery: Delivery,
    extra?: Record<string, unknown>
  ) =>
    log({
      time: new Date(now()).toISOString(),
      level: delivery === "lost" || delivery === "refused" || delivery === "dead_lettered" ? "error" : "info",
      msg: "audit",
      auditEventId: id,
      kind,
      ...event,
      status: outcome?.status,
      errorCode: outcome?.errorCode,
      latencyMs: outcome?.latencyMs,
      delivery,
      ...extra
    })

  const accept = async (attempt: RecordedAttempt): Promise<RecorderReceipt> => {
    const id = ids(attempt.startedAt)
    const event = eventData(attempt)
    try {
      const receipt = await Effect.runPromise(
        attemptStore(() => store.accept({ id, time: attempt.startedAt, event }), acceptRetry)
      )
      return { id: receipt.id, seq: receipt.seq, hash: receipt.hash }
    } catch (failure) {
      // The intent may have landed although the call failed (a lost acknowledgement): close it as
      // refused, so it cannot pass for a forwarded write. Unknown to the store = it never landed.
      const outcome = outcomeOf({ status: 503, errorCode: auditUnavailableCode, latencyMs: now() - attempt.startedAt })
      const work = deliver(
        () => store.complete(id, outcome),
        (error) => ({ kind: "outcome", eventId: id, payload: outcome, error, attempts: retry.times + 1 })
      ).then((delivery) =>
        logLine("write", id, event, outcome, "refused", { closedAs: delivery, error: message(failure) })
      )
      track(work)
      let set = closing.get(attempt.requestId)
      if (set === undefined) closing.set(attempt.requestId, (set = new Set()))
      set.add(work)
      void work.finally(() => {
        set.delete(work)
        if (set.size === 0 && closing.get(attempt.requestId) === set) closing.delete(attempt.requestId)
      })
      throw new AuditUnavailable(id, { cause: failure instanceof StoreFailed ? failure.cause : failure })
    }
  }

  const deny = (attempt: RecordedAttempt, result: AuditOutcome): Promise<void> => track(denyNow(attempt, result))

  const denyNow = async (attempt: RecordedAttempt, result: AuditOutcome): Promise<void> => {
    const denial: Denial = {
      id: ids(attempt.startedAt),
      time: attempt.startedAt,
      event: eventData(attempt),
      outcome: outcomeOf(result)
    }
    const delivery = await deliver(
      async () => {
        await store.deny(denial)
        return "recorded" as const
      },
      (error) => ({ kind: "denial", eventId: denial.id, payload: denial, error, attempts: retry.times + 1 })
    )
    logLine("denial", denial.id, denial.event, denial.outcome, delivery)
  }

  const settle = (
    attempt: RecordedAttempt,
    receipt: AuditReceipt | undefined,
    result: RecordedOutcome
  ): Promise<void> => track(settleNow(attempt, receipt, result))

  const settleNow = async (
    attempt: RecordedAttempt,
    receipt: AuditReceipt | undefined,
    result: RecordedOutcome
  ): Promise<void> => {
    if (receipt !== undefined && receipt.id !== "") {
      const outcome = outcomeOf(result)
      const delivery = await deliver(
        () => store.complete(receipt.id, outcome),
        (error) => ({ kind: "outcome", eventId: receipt.id, payload: outcome, error, attempts: retry.times + 1 })
      )
      const chained = receipt as Partial<RecorderReceipt>
      const event = eventData(attempt)
      // CreateOrganization: the line carries the created id, as the stored event does.
      const filed =
        event.organizationId === null && outcome.createdId !== undefined
          ? { ...event, organizationId: outcome.createdId }
          : event
      logLine("write", receipt.id, filed, outcome, delivery, { seq: chained.seq, hash: chained.hash })
      return
    }
    if (result.errorCode === auditUnavailableCode) {
      await Promise.all(closing.get(attempt.requestId) ?? [])
      return
    }
    if (attempt.principal === undefined) {
      if (result.status === 401) unauthenticated()
      return
    }
    if (isRecordedDenial(attempt.route, attempt.principal, result) && underCeiling(attempt.principal.id, attempt))
      await denyNow(attempt, result)
  }

  /** Runs `task` in `ms` without keeping a Node process alive for it (on Workers it may never run; the next request catches up). */
  const later = (ms: number, task: () => void) => {
    const timer = setTimeout(task, Math.max(0, ms)) as { unref?: () => void }
    timer.unref?.()
  }

  let unauthenticatedPending = false
  const summarizeUnauthenticated = () => {
    const at = now()
    log({
      time: new Date(at).toISOString(),
      level: "warn",
      msg: "audit: unauthenticated requests (not recorded)",
      count: unauthenticatedSince,
      total: counters.unauthenticated
    })
    unauthenticatedLoggedAt = at
    unauthenticatedSince = 0
  }

  const unauthenticated = () => {
    counters.unauthenticated++
    unauthenticatedSince++
    const since = now() - unauthenticatedLoggedAt
    if (since >= 60_000) return summarizeUnauthenticated()
    // The rest of this minute's count gets its line when the minute is over.
    if (unauthenticatedPending) return
    unauthenticatedPending = true
    later(60_000 - since, () => {
      unauthenticatedPending = false
      if (unauthenticatedSince > 0) summarizeUnauthenticated()
    })
  }

  /** Whether this key may have one more denial record this minute; past the ceiling, counts and summarizes. */
  const underCeiling = (keyId: string, attempt: RecordedAttempt): boolean => {
    const minute = Math.floor(now() / 60_000)
    let window = denialWindows.get(keyId)
    if (window === undefined || window.minute !== minute) {
      if (window !== undefined) closeWindow(keyId, window)
      // Bounded by the configured keys: one window each.
      denialWindows.set(keyId, (window = { minute, recorded: 0, over: 0, summarized: false }))
    }
    if (window.recorded < denialsPerMinute) {
      window.recorded++
      return true
    }
    window.over++
    counters.denialsOverCeiling++
    if (window.over === 1) {
      summarize(keyId, window, attempt)
      const current = window
      later((minute + 1) * 60_000 - now(), () => closeWindow(keyId, current))
    }
    return false
  }

  /** The count of a minute's denials over the ceiling, once (when the minute is over, or at the next denial). */
  const closeWindow = (keyId: string, window: DenialWindow) => {
    if (window.over === 0 || window.summarized) return
    window.summarized = true
    summarize(keyId, window)
  }

  const summarize = (keyId: string, window: DenialWindow, attempt?: RecordedAttempt) =>
    log({
      time: new Date(now()).toISOString(),
      level: "warn",
      msg: "audit: denials over the per-key ceiling (counted, not recorded)",
      keyId,
      minute: new Date(window.minute * 60_000).toISOString(),
      ceiling: denialsPerMinute,
      ...(attempt === undefined ? { count: window.over } : { first: attempt.route.operationId })
    })

  const flush = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled(inFlight)
  }

  const metrics = (): string =>
    "# HELP orgkit_audit_unrecorded_total Requests the audit trail counted instead of recording.\n" +
    "# TYPE orgkit_audit_unrecorded_total counter\n" +
    `orgkit_audit_unrecorded_total{reason="unauthenticated"} ${counters.unauthenticated}\n` +
    `orgkit_audit_unrecorded_total{reason="denial_ceiling"} ${counters.denialsOverCeiling}\n`

  return { accept, settle, deny, flush, counters, metrics, store }
}
