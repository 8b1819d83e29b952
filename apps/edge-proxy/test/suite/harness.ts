/**
 * What the shared suite runs against, and the helpers it uses: direct calls to the fake, its
 * control API (request log, faults, tokens, seed), and response snapshots for byte comparisons.
 */
import { directToken } from "../fixtures/e2e.ts"

/** A proxy under test. */
export interface Target {
  readonly runtime: "node" | "workerd"
  /** The proxy's origin as callers see it (its `Link` URLs use it). */
  readonly origin: string
  /** Sends a request to the proxy (`path` starts with `/`). */
  readonly call: (path: string, init?: RequestInit) => Promise<Response>
  /** The fake Logto behind the proxy. */
  readonly fakeUrl: string
}

/** A request to the fake itself, with its static token unless `authorization` is given. */
export const direct = (t: Target, path: string, init: RequestInit = {}): Promise<Response> => {
  const headers = new Headers(init.headers)
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${directToken}`)
  return fetch(t.fakeUrl + path, { ...init, headers, redirect: "manual" })
}

/** A request to the fake without any `Authorization` header. */
export const anonymous = (t: Target, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(t.fakeUrl + path, { ...init, redirect: "manual" })

const controlCall = async (t: Target, method: string, path: string, body?: unknown): Promise<unknown> => {
  const response = await direct(t, `/__orgkit/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  })
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`)
  return response.status === 204 ? undefined : response.json()
}

/** One entry of the fake's request log. */
export interface Logged {
  readonly method: string
  readonly path: string
  readonly status: number
}

/** The fake's control API. */
export const fake = {
  requests: async (t: Target): Promise<ReadonlyArray<Logged>> =>
    ((await controlCall(t, "GET", "requests")) as { requests: Array<Logged> }).requests,
  faults: (t: Target, config: unknown) => controlCall(t, "PUT", "faults", config),
  clearFaults: (t: Target) => controlCall(t, "DELETE", "faults"),
  revokeTokens: (t: Target) => controlCall(t, "DELETE", "tokens"),
  seed: (t: Target, seed: unknown) => controlCall(t, "POST", "seed", seed)
}

/** Runs `f` and returns what the fake received meanwhile. */
export const upstreamCallsDuring = async <A>(t: Target, f: () => Promise<A>): Promise<[A, ReadonlyArray<Logged>]> => {
  const before = (await fake.requests(t)).length
  const result = await f()
  return [result, (await fake.requests(t)).slice(before)]
}

/** The headers that matter for transparency. */
export const comparedHeaders = ["content-type", "total-number", "link", "etag", "allow"] as const

/** Status, body text and the headers that matter. */
export interface Snapshot {
  readonly status: number
  readonly body: string
  readonly headers: Readonly<Record<string, string | null>>
}

/** Rewrites applied to a direct answer before comparing it with the proxy's. */
export interface Rewrite {
  /** Replaces every occurrence (an id of a twin entity, the fake's origin in `Link`). */
  readonly replace?: ReadonlyArray<readonly [string, string]>
}

/** A response as compared: bytes as text (exact), and the headers that matter. */
export const snapshot = async (response: Response, rewrite: Rewrite = {}): Promise<Snapshot> => {
  const apply = (s: string) => (rewrite.replace ?? []).reduce((acc, [from, to]) => acc.replaceAll(from, to), s)
  const bytes = new Uint8Array(await response.arrayBuffer())
  const headers: Record<string, string | null> = {}
  for (const name of comparedHeaders) {
    const value = response.headers.get(name)
    headers[name] = value === null ? null : apply(value)
  }
  return { status: response.status, body: apply(new TextDecoder().decode(bytes)), headers }
}

/** The `Authorization` header of a proxy key. */
export const as = (key: { readonly key: string }, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: `Bearer ${key.key}` }
})

/** A JSON request. */
export const jsonBody = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body)
})

/** A unique-enough suffix for this run's entities. */
export const unique = (): string => Math.random().toString(36).slice(2, 10).padEnd(8, "0")
