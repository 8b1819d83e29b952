/**
 * The audit recorder: turns the proxy's view of a request (`AuditAttempt`) into audit events and
 * delivers them to an `AuditStore`. It is the proxy's `AuditSink` (see `ports.ts`):
 *
 * - `accept` builds the write's intent and waits until the store has durably appended it; if the
 *   store fails (after one quick retry), it rejects and the proxy answers 503
 *   `proxy.audit_unavailable` without forwarding anything.
 * - `settle` records how the request ended: the outcome of an accepted write (retried with an
 *   exponential `Schedule`, then dead-lettered), or a denied request as one complete event.
 *
 * Every event also produces one JSON log line, whatever the store did (`delivery` says what).
 */
import type { RouteTable } from "@orgkit/core"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { AuditAttempt, AuditOutcome, AuditReceipt, AuditSink, LogSink } from "../ports.ts"
import type { Denial, EventData, Outcome } from "./event.ts"
import { defaultMaxRequestBytes, recordedRequest } from "./redact.ts"
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
  /** The client IP of a request. Default: `CF-Connecting-IP`, else `X-Real-IP`, else the first `X-Forwarded-For`. */
  readonly clientIp?: (headers: Headers) => string | null
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
  readonly store: AuditStore
}

class StoreFailed extends Data.TaggedError("StoreFailed")<{ readonly cause: unknown }> {}

const message = (error: unknown): string => {
  const cause = error instanceof StoreFailed ? error.cause : error
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
}

/** The default client IP: Cloudflare's header, else the usual reverse-proxy headers. */
export const defaultClientIp = (headers: Headers): string | null =>
  headers.get("cf-connecting-ip") ??
  headers.get("x-real-ip") ??
  headers.get("x-forwarded-for")?.split(",")[0]?.trim() ??
  null

/**
 * Whether a request answered without a receipt is recorded as a denial: 401 and 403 on any of the
 * 36 operations, and every other error status on a write (validation 400, 413, 422, …). Writes
 * refused because the audit store failed are not (the store is what failed; the log line has them).
 */
export const isRecordedDenial = (route: RouteTable.Route, outcome: AuditOutcome): boolean =>
  outcome.errorCode !== auditUnavailableCode &&
  (outcome.status === 401 || outcome.status === 403 || (route.kind === "write" && outcome.status >= 400))

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

const cap = (text: string | null, max: number): string | null =>
  text === null || text.length <= max ? text : `${text.slice(0, max)}…`

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
  const clientIp = options.clientIp ?? defaultClientIp
  const ids = options.ids ?? uuidV7Generator()
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
      operationId: attempt.route.operationId,
      method: attempt.method,
      path: cap(attempt.path, 2048)!,
      organizationId: param === undefined ? null : (attempt.params[param] ?? null),
      targets: extractTargets(attempt.route, attempt.params, body, maxTargets),
      request: recordedRequest(body, maxRequestBytes),
      requestId: attempt.requestId,
      clientIp: cap(clientIp(attempt.headers), 64),
      userAgent: cap(attempt.headers.get("user-agent"), 512)
    }
  }

  const outcomeOf = (outcome: RecordedOutcome): Outcome => ({
    status: outcome.status,
    errorCode: outcome.errorCode ?? null,
    latencyMs: Math.max(0, Math.round(outcome.latencyMs)),
    ...(typeof outcome.createdId === "string" && outcome.createdId !== "" ? { createdId: outcome.createdId } : {})
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
      logLine("write", receipt.id, eventData(attempt), outcome, delivery, { seq: chained.seq, hash: chained.hash })
      return
    }
    if (result.errorCode === auditUnavailableCode) {
      await Promise.all(closing.get(attempt.requestId) ?? [])
      return
    }
    if (isRecordedDenial(attempt.route, result)) await denyNow(attempt, result)
  }

  const flush = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled(inFlight)
  }

  return { accept, settle, deny, flush, store }
}
