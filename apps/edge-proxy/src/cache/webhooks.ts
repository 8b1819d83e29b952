/**
 * Logto's webhook events mapped to cache invalidations: which reads a change made outside the proxy
 * (Logto Console, other Management API clients) can affect.
 */
import { allTag, listTag, organizationTag } from "./dependencies.ts"

/** What a webhook invalidates: its event name and the tags (empty when the event changes no cached read). */
export interface WebhookInvalidation {
  readonly event: string | undefined
  readonly tags: ReadonlyArray<string>
}

const organizationEvents = new Set([
  "Organization.Created",
  "Organization.Data.Updated",
  "Organization.Deleted",
  "Organization.Membership.Updated"
])

/**
 * Events whose effect spans organizations, so everything is dropped: organization roles and scopes
 * (any organization may use them; roles and scopes show in user and application role lists and in
 * user scopes), users (member lists, featured users, memberships cascade on deletion), applications
 * (application member lists; memberships cascade on deletion).
 */
const wideEvents = new Set([
  "OrganizationRole.Created",
  "OrganizationRole.Data.Updated",
  "OrganizationRole.Deleted",
  "OrganizationRole.Scopes.Updated",
  "OrganizationScope.Created",
  "OrganizationScope.Data.Updated",
  "OrganizationScope.Deleted",
  "User.Deleted",
  "User.Data.Updated",
  "User.SuspensionStatus.Updated",
  "Application.Data.Updated",
  "Application.Deleted"
])

/** A property of a JSON object; `undefined` for anything else (no primitive has the names read here). */
const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined

/** The organization an `Organization.*` event is about: its `data.id`, `organizationId` or the route's `:id`. */
const organizationOf = (payload: unknown): string | undefined =>
  nonEmpty(field(field(payload, "data"), "id")) ??
  nonEmpty(field(payload, "organizationId")) ??
  nonEmpty(field(field(payload, "data"), "organizationId")) ??
  nonEmpty(field(field(payload, "params"), "id"))

/**
 * The invalidation for a webhook payload. `Organization.*` events drop that organization's reads and
 * the list (or everything when the payload names no organization); events in `wideEvents` drop
 * everything; anything else (`User.Created`, `Application.Created`, `PostSignIn`, API resource `Role.*`
 * and `Scope.*`, unknown events, a payload that is no object) changes no cached read and invalidates
 * nothing.
 */
export const webhookInvalidation = (payload: unknown): WebhookInvalidation => {
  const event = nonEmpty(field(payload, "event"))
  if (event === undefined) return { event, tags: [] }
  if (organizationEvents.has(event)) {
    const id = organizationOf(payload)
    return { event, tags: id === undefined ? [allTag] : [organizationTag(id), listTag] }
  }
  return { event, tags: wideEvents.has(event) ? [allTag] : [] }
}

/** The mapping as documented in README.md. */
export const webhookEvents = { organizationEvents, wideEvents } as const
