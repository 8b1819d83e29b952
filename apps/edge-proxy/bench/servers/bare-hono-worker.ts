/**
 * The ceiling a Worker can reach: a bare Hono Worker returning the same stored JSON bytes the proxy
 * serves on a cache hit (the `BENCH_BODY` binding), run in workerd by `bench/servers/workerd.ts`.
 */
import { Hono } from "hono"

const app = new Hono<{ Bindings: { readonly BENCH_BODY: string } }>().get("*", (c) =>
  c.body(c.env.BENCH_BODY, 200, { "content-type": "application/json; charset=utf-8" })
)

export default app
