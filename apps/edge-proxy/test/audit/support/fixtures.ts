/** Event inputs for store-level tests. */
import type { Denial, EventData, Intent, Outcome } from "../../../src/audit/event.ts"
import { uuidV7Generator } from "../../../src/audit/uuid7.ts"

/** Fresh ids (UUIDv7) from a clock. */
export const ids = uuidV7Generator()

/** The immutable part of an event, with overrides. */
export const eventData = (overrides: Partial<EventData> = {}): EventData => ({
  actor: { id: "admin", name: "Platform team" },
  operationId: "AddOrganizationUsers",
  method: "POST",
  path: "/api/organizations/org-acme/users",
  organizationId: "org-acme",
  targets: { userIds: ["user-1"] },
  request: { userIds: ["user-1"] },
  requestId: "req-1",
  clientIp: "203.0.113.7",
  userAgent: "audit-suite",
  ...overrides
})

/** An intent at `time`. */
export const intent = (time: number, overrides: Partial<EventData> = {}): Intent => ({
  id: ids(time),
  time,
  event: eventData(overrides)
})

/** A denial at `time`. */
export const denial = (time: number, overrides: Partial<EventData> = {}, outcome: Partial<Outcome> = {}): Denial => ({
  id: ids(time),
  time,
  event: eventData({ actor: "anonymous", ...overrides }),
  outcome: { status: 401, errorCode: "auth.authorization_header_missing", latencyMs: 1, ...outcome }
})

/** An outcome. */
export const outcome = (status = 201, errorCode: string | null = null, latencyMs = 12): Outcome => ({
  status,
  errorCode,
  latencyMs
})
