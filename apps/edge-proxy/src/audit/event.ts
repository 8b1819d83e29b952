/**
 * The audit event model, as Effect Schemas: what the recorder hands the store (`Intent`, `Denial`,
 * `Outcome`), what the hash chain stores (`ChainEntry`), and what the query API returns
 * (`AuditEvent`). The store decodes every input with these schemas, so a Durable Object or a SQLite
 * file never holds a malformed entry.
 */
import * as Schema from "effect/Schema"
import { isUuidV7 } from "./uuid7.ts"

const NonNegativeInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))

/** An event id: a UUIDv7, so ids sort by time. */
export const EventId = Schema.String.check(
  Schema.makeFilter((s: string) => isUuidV7(s), { expected: "a lower-case UUIDv7" })
)

/** The caller: the proxy key's id and name (the team), or `anonymous` when no key was accepted. */
export const Actor = Schema.Union([
  Schema.Struct({ id: Schema.String, name: Schema.String }),
  Schema.Literal("anonymous")
])
/** The caller. */
export type Actor = typeof Actor.Type

/** The kinds of target an operation touches, by the body field (or path parameter) naming them. */
export const targetKinds = [
  "userIds",
  "applicationIds",
  "organizationRoleIds",
  "organizationRoleNames",
  "emailDomains",
  "ssoConnectorIds"
] as const

/** A kind of target. */
export type TargetKind = (typeof targetKinds)[number]

/**
 * What a write touches besides the organization: ids from the path and the body, deduplicated,
 * in order of appearance. `omitted` counts ids left out by the size cap.
 */
export const Targets = Schema.Struct({
  userIds: Schema.optionalKey(Schema.Array(Schema.String)),
  applicationIds: Schema.optionalKey(Schema.Array(Schema.String)),
  organizationRoleIds: Schema.optionalKey(Schema.Array(Schema.String)),
  organizationRoleNames: Schema.optionalKey(Schema.Array(Schema.String)),
  emailDomains: Schema.optionalKey(Schema.Array(Schema.String)),
  ssoConnectorIds: Schema.optionalKey(Schema.Array(Schema.String)),
  omitted: Schema.optionalKey(NonNegativeInt)
})
/** What a write touches. */
export type Targets = typeof Targets.Type

/** What was asked: who, which operation, on what, with which body. */
const requestFacts = {
  actor: Actor,
  operationId: Schema.String,
  method: Schema.String,
  path: Schema.String,
  organizationId: Schema.NullOr(Schema.String),
  targets: Targets,
  request: Schema.Json
}

/** Where the request came from. */
const callerFacts = {
  requestId: Schema.String,
  clientIp: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String)
}

/**
 * The immutable facts of a request, fixed when it arrives. `request` is the body with secrets
 * redacted and its size capped (`null` when there is none); `path` is the raw request path.
 */
export const EventData = Schema.Struct({ ...requestFacts, ...callerFacts })
/** The immutable facts of a request. */
export type EventData = typeof EventData.Type

/**
 * How a request ended: the status the caller got, Logto's or the proxy's error `code`, the time
 * taken, and for CreateOrganization the id Logto gave the new organization (it becomes the event's
 * `organizationId`).
 */
export const Outcome = Schema.Struct({
  status: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 100, maximum: 599 })),
  errorCode: Schema.NullOr(Schema.String),
  latencyMs: NonNegativeInt,
  createdId: Schema.optionalKey(Schema.String),
  /** The write was sent but no answer came: it may or may not have happened at Logto. */
  unknown: Schema.optionalKey(Schema.Literal(true))
})
/** How a request ended. */
export type Outcome = typeof Outcome.Type

/** A write that passed authentication and validation, to be durably accepted before it is forwarded. */
export const Intent = Schema.Struct({
  id: EventId,
  /** When the request arrived (ms since the epoch); the id carries the same time. */
  time: NonNegativeInt,
  event: EventData
})
/** A write to accept. */
export type Intent = typeof Intent.Type

/** A request the proxy answered itself (401, 403, 400, 413, …): one complete event. */
export const Denial = Schema.Struct({
  id: EventId,
  time: NonNegativeInt,
  event: EventData,
  outcome: Outcome
})
/** A denied request. */
export type Denial = typeof Denial.Type

/** The chain format version, part of every hashed entry. */
export const chainVersion = 1

const entryHeader = {
  v: Schema.Literal(chainVersion),
  /** Position in the chain, gapless from 1. */
  seq: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)),
  /** The entry id: the event id, or `<event id>/outcome` for an outcome entry. */
  id: Schema.String,
  eventId: EventId,
  /** ISO 8601 (UTC, milliseconds). */
  time: Schema.String,
  /** The previous entry's id (`null` for the first): names an entry that was deleted. */
  prevId: Schema.NullOr(Schema.String),
  /** The previous entry's hash (64 zeros for the first). */
  prevHash: Schema.String
}

/** Chain entry: a write accepted before forwarding. */
export const IntentEntry = Schema.Struct({ ...entryHeader, type: Schema.Literal("intent"), event: EventData })
/** Chain entry: a write accepted before forwarding. */
export type IntentEntry = typeof IntentEntry.Type
/** Chain entry: a request the proxy denied, complete in one entry. */
export const DenialEntry = Schema.Struct({
  ...entryHeader,
  type: Schema.Literal("denial"),
  event: EventData,
  outcome: Outcome
})
/** Chain entry: a request the proxy denied. */
export type DenialEntry = typeof DenialEntry.Type
/** Chain entry: how an accepted write ended. */
export const OutcomeEntry = Schema.Struct({ ...entryHeader, type: Schema.Literal("outcome"), outcome: Outcome })
/** Chain entry: how an accepted write ended. */
export type OutcomeEntry = typeof OutcomeEntry.Type

/**
 * One entry of the hash chain. Its `hash` (stored beside it) is the hex SHA-256 of its canonical
 * JSON (see `canonical.ts`), and each entry carries the previous entry's id and hash.
 */
export const ChainEntry = Schema.Union([IntentEntry, DenialEntry, OutcomeEntry])
/** One entry of the hash chain. */
export type ChainEntry = typeof ChainEntry.Type

/** The outcome entry id of an event. */
export const outcomeEntryId = (eventId: string): string => `${eventId}/outcome`

/** The event an entry id belongs to. */
export const eventIdOfEntry = (entryId: string): string => entryId.split("/")[0]!

/**
 * Where an event stands: `pending` (accepted, not yet finished), `completed` (its outcome is in the
 * chain), `unknown` (its outcome is in the chain: it was sent, no answer came, it was not sent again:
 * it may or may not have happened at Logto), `outcome_unrecorded` (accepted, but no outcome arrived
 * within the store's grace period: the write may or may not have happened at Logto).
 */
export const OutcomeState = Schema.Literals(["pending", "completed", "unknown", "outcome_unrecorded"])
/** Where an event stands. */
export type OutcomeState = typeof OutcomeState.Type

/** `write`: accepted before forwarding; `denial`: answered by the proxy itself. */
export const EventKind = Schema.Literals(["write", "denial"])

/** An audit event as the query API returns it: the chained facts, merged with the outcome. */
export const AuditEvent = Schema.Struct({
  id: EventId,
  seq: Schema.Number,
  kind: EventKind,
  time: Schema.String,
  ...requestFacts,
  status: Schema.NullOr(Schema.Number),
  errorCode: Schema.NullOr(Schema.String),
  latencyMs: Schema.NullOr(Schema.Number),
  ...callerFacts,
  outcome: OutcomeState,
  /** The hash of the event's own chain entry, and the one before it. */
  prevHash: Schema.String,
  hash: Schema.String,
  /** The hash of the outcome entry (writes, once completed). */
  outcomeHash: Schema.NullOr(Schema.String)
})
/** An audit event as the query API returns it. */
export type AuditEvent = typeof AuditEvent.Type

/** A failed delivery, kept where it can be listed and redelivered. */
export const DeadLetter = Schema.Struct({
  /** `<event id>/outcome` or `<event id>/denial`: one letter per delivery, however often it failed. */
  id: Schema.String,
  eventId: EventId,
  kind: Schema.Literals(["outcome", "denial"]),
  /** The outcome (`kind: "outcome"`) or the whole denial (`kind: "denial"`). */
  payload: Schema.Union([Outcome, Denial]),
  error: Schema.String,
  attempts: NonNegativeInt,
  createdAt: Schema.String,
  /** When a redelivery succeeded; `null` while it is still owed. */
  resolvedAt: Schema.NullOr(Schema.String),
  resolution: Schema.NullOr(Schema.Literals(["recorded", "duplicate", "unknown"]))
})
/** A failed delivery. */
export type DeadLetter = typeof DeadLetter.Type

/** What `verify` found: `events` events (and `entries` chain entries) checked; the first bad one named. */
export const VerifyResult = Schema.Struct({
  ok: Schema.Boolean,
  events: NonNegativeInt,
  entries: NonNegativeInt,
  firstBadEventId: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  /** The last entry checked (when `ok`): record it elsewhere to detect a rewrite of the whole chain later. */
  head: Schema.optionalKey(Schema.Struct({ seq: NonNegativeInt, hash: Schema.String })),
  /** Whether checkpoint signatures were checked (public keys were given). */
  signed: Schema.optionalKey(Schema.Boolean),
  /** Signed checkpoints checked. */
  checkpoints: Schema.optionalKey(NonNegativeInt),
  /** The bad checkpoint, when a checkpoint is what failed. */
  checkpoint: Schema.optionalKey(NonNegativeInt),
  /** The last valid checkpoint: entries after `toSeq` are covered by no signature yet. */
  lastCheckpoint: Schema.optionalKey(
    Schema.Struct({ n: NonNegativeInt, toSeq: NonNegativeInt, time: Schema.String, keyId: Schema.String })
  )
})
/** What `verify` found. */
export type VerifyResult = typeof VerifyResult.Type
