/**
 * The cache suite inside workerd: two app instances built from the same bindings (`buildApp`, as
 * each isolate builds its own), sharing only the Durable Object namespaces, with one manual clock.
 */
import { env } from "cloudflare:workers"
import { expect, inject, it } from "vitest"
import { webPlatform } from "../../src/adapters/web-platform.ts"
import { buildApp } from "../../src/worker.ts"
import { cacheEnv, cacheKeys } from "../fixtures/e2e.ts"
import { describeCache } from "../suite/cache.ts"

const origin = "https://proxy.example"
let now = Date.now()
const platform = { ...webPlatform, now: () => now }
let delay: number | undefined
const delayed = async (request: Request): Promise<Response> => {
  const response = await fetch(request)
  if (delay !== undefined && request.method === "GET") {
    const body = await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, Math.random() * delay!))
    return new Response(body, response)
  }
  return response
}
const bindings = { ...env, ...cacheEnv(inject("cacheFakeUrl")) } as Env

const instance = (overrides: Record<string, string> = {}) => {
  const app = buildApp({ ...bindings, ...overrides } as Env, { platform, fetch: delayed })
  if ("problems" in app) throw new Error(app.problems.join("\n"))
  return (path: string, init?: RequestInit) =>
    Promise.resolve(app.fetch(new Request(origin + path, { ...init, redirect: "manual" }), bindings))
}

const first = instance()
const second = instance()

describeCache(() => ({
  runtime: "workerd",
  origin,
  call: first,
  second,
  advance: (ms) => {
    now += ms
  },
  delayAnswers: (ms) => {
    delay = ms
  },
  fakeUrl: inject("cacheFakeUrl")
}))

it("with ORGKIT_CACHE=off, passes every read to Logto without X-Cache", async () => {
  const off = instance({ ORGKIT_CACHE: "off" })
  const responses = [
    await off("/api/organizations/acmecorp0001", { headers: { authorization: `Bearer ${cacheKeys.admin.key}` } })
  ]
  expect(responses.map((r) => [r.status, r.headers.get("x-cache")])).toEqual([[200, null]])
})

it("refuses to run with the cache on but without its Durable Objects", () => {
  const app = buildApp({ ...bindings, ORGKIT_CACHE_SHARDS: undefined } as unknown as Env, { platform })
  expect("problems" in app && app.problems).toEqual([
    "ORGKIT_CACHE: is on but the Durable Object bindings ORGKIT_CACHE_SHARDS / ORGKIT_CACHE_REGISTRY are missing"
  ])
})
