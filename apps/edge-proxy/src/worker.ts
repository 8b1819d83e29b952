/**
 * The Cloudflare Workers entry. The app is built once per isolate from the bindings (vars and
 * secrets, see wrangler.jsonc and README.md). With invalid configuration every request gets a
 * 500 `proxy.misconfigured` (the details go to the log only: they name the settings, never values).
 */
import { Result } from "effect"
import { type App, createApp, makeDeps } from "./app.ts"
import { fetchUpstream } from "./adapters/fetch-upstream.ts"
import { jsonLines, webPlatform } from "./adapters/web-platform.ts"
import { decodeConfig } from "./config.ts"

let app: App | Response | undefined

const misconfigured = (problems: ReadonlyArray<string>): Response => {
  jsonLines({ level: "error", msg: "invalid configuration", problems })
  return new Response(
    JSON.stringify({ code: "proxy.misconfigured", message: "The proxy is misconfigured; see its logs." }),
    { status: 500, headers: { "content-type": "application/json; charset=utf-8" } }
  )
}

/** The app for these bindings, built on first use in this isolate. */
const appFor = (env: Env): App | Response => {
  if (app !== undefined) return app
  const config = decodeConfig(env as unknown as Record<string, string | undefined>)
  if (Result.isFailure(config)) return (app = misconfigured(config.failure.problems))
  const upstream = fetchUpstream({ origin: config.success.logtoEndpoint, fetch: (request) => fetch(request) })
  return (app = createApp(makeDeps(config.success, { upstream, platform: webPlatform, log: jsonLines })))
}

export default {
  fetch: (request, env, ctx) => {
    const current = appFor(env)
    return current instanceof Response ? current.clone() : current.fetch(request, env, ctx)
  }
} satisfies ExportedHandler<Env>
