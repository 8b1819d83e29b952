/**
 * The control API under `/__orgkit/`, authenticated like the rest: seeding, reset, faults, the
 * request log, the clock, tokens, and the deletes that Logto cascades (users, applications,
 * roles, scopes, connectors).
 */
import * as Result from "effect/Result"
import * as Faults from "../Faults.ts"
import type { Store } from "../FakeStore.ts"
import * as Seed from "../Seed.ts"
import type { Tokens } from "./auth.ts"
import { json, type LoggedRequest, text } from "./entry.ts"

/** What the control API needs from the fake. */
export interface ControlDeps {
  readonly store: Store
  readonly tokens: Tokens
  readonly now: () => number
  readonly getFaults: () => Faults.Config
  readonly setFaults: (config: Faults.Config) => void
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearRequests: () => void
  readonly advanceClock: (ms: number) => void
  readonly reset: () => void
}

const error = (status: number, code: string, message: string, details?: unknown) =>
  json(status, { code, message, ...(details === undefined ? {} : { details }) })

const readJson = async (request: Request): Promise<Result.Result<unknown, Response>> => {
  const body = await request.text()
  if (body.trim() === "") return Result.succeed(undefined)
  try {
    return Result.succeed(JSON.parse(body))
  } catch (e) {
    return Result.fail(error(400, "orgkit.invalid_json", (e as Error).message))
  }
}

const seedInto = (store: Store, input: unknown): Response => {
  const decoded = Seed.decode(input)
  if (Result.isFailure(decoded))
    return error(400, "orgkit.invalid_seed", "The seed does not match the seed schema.", decoded.failure)
  const applied = store.seed(decoded.success)
  return Result.isFailure(applied)
    ? error(422, "orgkit.invalid_seed", "The seed references unknown or conflicting entities.", applied.failure)
    : json(200, { counts: applied.success })
}

const entityDeletes: Readonly<Record<string, (store: Store, id: string) => boolean>> = {
  users: (s, id) => s.deleteUser(id),
  applications: (s, id) => s.deleteApplication(id),
  "organization-roles": (s, id) => s.deleteOrganizationRole(id),
  "organization-scopes": (s, id) => s.deleteOrganizationScope(id),
  "sso-connectors": (s, id) => s.deleteSsoConnector(id)
}

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Answers one control request. */
export const handle = async (deps: ControlDeps, request: Request, url: URL): Promise<Response> => {
  const verdict = deps.tokens.verify(request.headers.get("authorization"))
  if (verdict._tag === "Denied") return json(verdict.status, verdict.body)
  const path = url.pathname.replace(/\/+$/, "")
  const method = request.method.toUpperCase()
  const key = `${method} ${path}`
  const body = method === "GET" || method === "HEAD" ? Result.succeed(undefined) : await readJson(request)
  if (Result.isFailure(body)) return body.failure
  const input = body.success
  switch (key) {
    case "POST /__orgkit/seed":
      return seedInto(deps.store, input ?? {})
    case "GET /__orgkit/seed":
      return json(200, deps.store.snapshot())
    case "POST /__orgkit/reset":
      deps.reset()
      return input === undefined ? json(200, { counts: deps.store.counts() }) : seedInto(deps.store, input)
    case "GET /__orgkit/faults":
      return json(200, deps.getFaults())
    case "PUT /__orgkit/faults": {
      const decoded = Faults.decode(input ?? { rules: [] })
      if (Result.isFailure(decoded))
        return error(400, "orgkit.invalid_faults", "The fault configuration is invalid.", decoded.failure)
      deps.setFaults(decoded.success)
      return json(200, decoded.success)
    }
    case "DELETE /__orgkit/faults":
      deps.setFaults({ rules: [] })
      return new Response(null, { status: 204 })
    case "GET /__orgkit/requests":
      return json(200, { requests: deps.requests() })
    case "DELETE /__orgkit/requests":
      deps.clearRequests()
      return new Response(null, { status: 204 })
    case "GET /__orgkit/clock":
      return json(200, { now: deps.now() })
    case "POST /__orgkit/clock": {
      const { advanceMs, advanceSeconds } = (input ?? {}) as { advanceMs?: unknown; advanceSeconds?: unknown }
      const ms =
        typeof advanceMs === "number" ? advanceMs : typeof advanceSeconds === "number" ? advanceSeconds * 1000 : NaN
      if (!Number.isFinite(ms) || ms < 0) {
        return error(400, "orgkit.invalid_clock", 'Send { "advanceMs": n } or { "advanceSeconds": n } with n >= 0.')
      }
      deps.advanceClock(ms)
      return json(200, { now: deps.now() })
    }
    case "POST /__orgkit/tokens": {
      const { scopes, ttlSeconds } = (input ?? {}) as { scopes?: unknown; ttlSeconds?: unknown }
      const list = Array.isArray(scopes) && scopes.every((s) => typeof s === "string") ? scopes : ["all"]
      const ttl = typeof ttlSeconds === "number" && ttlSeconds > 0 ? ttlSeconds : deps.tokens.ttlSeconds
      return json(200, { access_token: deps.tokens.issue(list, ttl), expires_in: ttl, token_type: "Bearer" })
    }
    case "DELETE /__orgkit/tokens":
      return json(200, { revoked: deps.tokens.revokeAll() })
    case "POST /__orgkit/tokens/expire":
      return json(200, { expired: deps.tokens.expireAll() })
  }
  const entity = /^\/__orgkit\/([a-z-]+)\/([^/]+)$/.exec(path)
  const remove = entity === null ? undefined : entityDeletes[entity[1]!]
  if (method === "DELETE" && entity !== null && remove !== undefined) {
    return remove(deps.store, decodeSegment(entity[2]!))
      ? new Response(null, { status: 204 })
      : error(404, "orgkit.not_found", `No ${entity[1]} with id ${entity[2]}.`)
  }
  return text(404, "Not Found")
}
