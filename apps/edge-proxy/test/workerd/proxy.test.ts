/**
 * The shared suite against the Workers build (src/worker.ts via wrangler.jsonc) inside workerd.
 * Requests reach the worker through its `fetch` export; the worker reaches the fake over real
 * loopback HTTP with the global `fetch`.
 */
import { exports } from "cloudflare:workers"
import { inject } from "vitest"
import { proxySuite } from "../suite/index.ts"

const origin = "https://proxy.example"

proxySuite(() => ({
  runtime: "workerd",
  origin,
  call: (path, init) => exports.default.fetch(new Request(origin + path, { ...init, redirect: "manual" })),
  fakeUrl: inject("fakeUrl")
}))
