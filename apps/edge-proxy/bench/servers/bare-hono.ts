/**
 * The ceiling a Node proxy can reach: a bare Hono handler on @hono/node-server returning the same
 * stored JSON bytes the proxy serves on a cache hit.
 */
import { serve } from "@hono/node-server"
import { Hono } from "hono"
import { readFileSync } from "node:fs"

const body = readFileSync(process.env["BENCH_BODY_FILE"]!, "utf8")
const app = new Hono().get("*", (c) => c.body(body, 200, { "content-type": "application/json; charset=utf-8" }))
const server = serve({ fetch: app.fetch, port: Number(process.env["PORT"]), hostname: "127.0.0.1" }, (info) =>
  console.log(`bare hono on http://127.0.0.1:${info.port}`)
)
const stop = () => server.close(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
