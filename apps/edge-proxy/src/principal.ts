/**
 * Who is calling: the principal behind a proxy key, its scopes and the organizations it may touch.
 */

/** The scopes a proxy key can hold. `audit:read` is used by the audit API (a later issue). */
import type { Rate } from "./limits/rate.ts"

export const scopes = ["read", "write", "audit:read"] as const

/** One scope. */
export type Scope = (typeof scopes)[number]

/** The caller, resolved from its key. */
export interface Principal {
  /** The key's id (the audit actor id). */
  readonly id: string
  /** The key's name: the team that holds it. */
  readonly name: string
  readonly scopes: ReadonlySet<Scope>
  /** The organizations the key may touch; `undefined` means every organization. */
  readonly organizations: ReadonlySet<string> | undefined
  /** The key's own quota; `undefined` means the default (`ORGKIT_RATE_LIMIT`), if any. */
  readonly rateLimit?: Rate | undefined
}

/** Whether the principal may touch the organization. */
export const mayTouch = (principal: Principal, organizationId: string): boolean =>
  principal.organizations === undefined || principal.organizations.has(organizationId)
