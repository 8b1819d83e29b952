/**
 * `run dev`: the Worker locally in workerd, offline, ready for writes. Applies the D1 migrations to
 * the local database first (without them every audited write is 503: no audit table), then runs
 * `wrangler dev` with the given arguments (`run dev -- --port 8788`). No Cloudflare account, no
 * request to Cloudflare (no cf.json, no metrics, no update check).
 *
 *   node scripts/dev.ts [wrangler dev arguments…]
 */
import { spawn } from "node:child_process"
import { resolve } from "node:path"

const app = resolve(import.meta.dirname, "..")
const env = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true"
}

/** Runs wrangler with `args`; resolves with its exit code (signals are passed on to it). */
const wrangler = (args: ReadonlyArray<string>): Promise<number> =>
  new Promise((done, fail) => {
    const child = spawn("wrangler", [...args], { cwd: app, env, stdio: "inherit" })
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    process.on("SIGINT", forward).on("SIGTERM", forward)
    child.on("error", fail)
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward).off("SIGTERM", forward)
      done(code ?? (signal === null ? 1 : 128 + 2))
    })
  })

const migrated = await wrangler(["d1", "migrations", "apply", "orgkit-audit", "--local"])
if (migrated !== 0) process.exit(migrated)
process.exit(await wrangler(["dev", ...process.argv.slice(2)]))
