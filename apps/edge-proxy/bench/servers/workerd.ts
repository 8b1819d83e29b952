/**
 * One Worker in workerd (Miniflare), listening on 127.0.0.1:`PORT`, for the Workers rows of
 * `pnpm bench`. `WORKER` says which:
 * - `proxy`: the proxy's Worker as wrangler bundles it, with its cache Durable Objects in the same
 *   workerd (its settings from `BENCH_BINDINGS`, JSON);
 * - `objects`: the same bundle as Worker `orgkit-objects`, hosting the cache Durable Objects for a
 *   `proxy-remote` in another workerd, through Miniflare's dev registry at `BENCH_REGISTRY`;
 * - `proxy-remote`: the proxy's Worker whose `ORGKIT_CACHE_SHARDS`/`ORGKIT_CACHE_REGISTRY` bind the
 *   classes of `orgkit-objects` by script name (the same bundle, the same code path; Miniflare routes
 *   each call through its dev-registry proxy to the other workerd);
 * - `bare`: `bare-hono-worker.ts`, answering `BENCH_BODY`.
 * Prints `ready <workerd pid>` once it answers; stops on SIGTERM.
 */
import { build } from "esbuild"
import { convertV4MiniflareOptions, Miniflare } from "miniflare"
import { readFileSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { buildWorker } from "../../test/fixtures/worker-build.ts"
import { objectsWorker } from "./objects-worker.ts"

const dir = process.env["BENCH_DIR"]!
const port = Number(process.env["PORT"])
const which = process.env["WORKER"] as "proxy" | "objects" | "proxy-remote" | "bare"
const bindings = JSON.parse(process.env["BENCH_BINDINGS"] ?? "{}") as Record<string, string>
const registry = process.env["BENCH_REGISTRY"]
const inspector = process.env["BENCH_INSPECTOR_PORT"]

const bareScript = async (): Promise<string> => {
  const outfile = join(dir, "bare-worker.js")
  await build({
    entryPoints: [resolve(import.meta.dirname, "bare-hono-worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    outfile,
    logLevel: "silent"
  })
  return outfile
}

/** The cache's Durable Objects: hosted here, or bound by `scriptName` in another workerd. */
const cacheObjects = (scriptName?: string) => ({
  durableObjects: {
    ORGKIT_CACHE_SHARDS: {
      className: "CacheShard",
      useSQLite: true,
      ...(scriptName === undefined ? {} : { scriptName })
    },
    ORGKIT_CACHE_REGISTRY: {
      className: "CacheRegistry",
      useSQLite: true,
      ...(scriptName === undefined ? {} : { scriptName })
    }
  }
})

const scriptPath = which === "bare" ? await bareScript() : await buildWorker(dir)
const mf = new Miniflare(
  convertV4MiniflareOptions({
    cf: false,
    host: "127.0.0.1",
    port,
    ...(registry !== undefined && (which === "objects" || which === "proxy-remote")
      ? { unsafeDevRegistryPath: registry }
      : {}),
    // workerd's own inspector (one target per Worker, each its own isolate): for per-isolate profiles.
    ...(inspector === undefined ? {} : { inspectorPort: Number(inspector) }),
    workers: [
      {
        name: which === "objects" ? objectsWorker : which,
        modules: true,
        scriptPath,
        modulesRoot: dir,
        compatibilityDate: "2026-11-01",
        bindings,
        ...(which === "bare" ? {} : which === "proxy-remote" ? cacheObjects(objectsWorker) : cacheObjects())
      }
    ]
  })
)
await mf.ready

/** The workerd process Miniflare started (a child of this one). */
const workerdPid = (): number | undefined => {
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, "utf8").trim().split(/\s+/)
    for (const child of children.filter((c) => c !== "")) {
      if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd") return Number(child)
    }
  }
  return undefined
}

console.log(`ready ${workerdPid()}`)
const stop = () => void mf.dispose().then(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
