/**
 * The production deployment as `run deploy` makes it, short of the upload: `wrangler deploy --env
 * production --dry-run` bundles the Worker with no development value in its bindings or its code and
 * the API reference as static assets (not in the bundle); the production environment lists every
 * setting the proxy requires as a required secret; and the pre-deploy check (`scripts/check-production.ts`,
 * the proxy's own configuration decoder) refuses incomplete or development settings by name and
 * accepts complete ones.
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import * as Result from "effect/Result"
import { afterAll, describe, expect, it } from "vitest"
import { productionConfig } from "../../scripts/check-production.ts"
import { decodeConfig, settings } from "../../src/config.ts"

const exec = promisify(execFile)
const app = resolve(import.meta.dirname, "../..")
const wrangler = resolve(app, "node_modules/.bin/wrangler")
const offline = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true"
}
const scratch = mkdtempSync(join(tmpdir(), "orgkit-deploy-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** What `.dev.vars.example` sets: the development values that must never ship. */
const developmentValues = readFileSync(join(app, ".dev.vars.example"), "utf8")
  .split("\n")
  .filter((line) => /^[A-Z0-9_]+=/.test(line))
  .map((line) => line.slice(line.indexOf("=") + 1))

const checkProduction = (file: string) =>
  exec(process.execPath, ["scripts/check-production.ts", file], { cwd: app, env: offline }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (error: { code: number; stderr: string }) => ({ code: error.code, output: error.stderr })
  )

describe("wrangler deploy --env production", () => {
  it("bundles no development value, with the API reference as static assets outside the bundle", async () => {
    await exec(process.execPath, ["scripts/docs-assets.ts"], { cwd: app })
    const outdir = join(scratch, "dist")
    const { stdout } = await exec(wrangler, ["deploy", "--env", "production", "--dry-run", "--outdir", outdir], {
      cwd: app,
      env: offline
    })
    const bundle = readFileSync(join(outdir, "worker.js"), "utf8")
    expect(developmentValues.length).toBeGreaterThanOrEqual(5)
    for (const value of developmentValues.filter((v) => !v.includes("default.logto.app"))) {
      expect(stdout, value).not.toContain(value)
      expect(bundle.includes(value), value).toBe(false)
    }
    expect(stdout).toMatch(/Read \d+ files from the assets directory/)
    expect(stdout).toContain('env.ORGKIT_UPSTREAM_TIMEOUT_MS ("10000")')
    expect(stdout).not.toMatch(/env\.LOGTO_/)
    expect(bundle).not.toContain("SwaggerUIBundle")
  }, 120_000)

  it("lists every setting the proxy requires as a required secret, and sets none of them as a var", () => {
    const { vars, required } = productionConfig()
    const decoded = decodeConfig(vars)
    expect(Result.isFailure(decoded)).toBe(true)
    const missing = Result.isFailure(decoded) ? decoded.failure.problems.map((p) => p.slice(0, p.indexOf(":"))) : []
    expect(missing.length).toBeGreaterThan(0)
    for (const name of missing) expect(required).toContain(name)
    for (const name of required) {
      expect(Object.values(settings)).toContain(name)
      expect(Object.keys(vars)).not.toContain(name)
    }
  })

  it("is checked before the upload: incomplete settings are refused by name, complete ones pass", async () => {
    const partial = join(scratch, "partial.env")
    writeFileSync(partial, "LOGTO_ENDPOINT=https://acme.logto.app\nLOGTO_M2M_CLIENT_SECRET=s3cret-value\n")
    const refused = await checkProduction(partial)
    expect(refused.code).toBe(1)
    expect(refused.output).toContain("LOGTO_M2M_CLIENT_ID: required secret not set")
    expect(refused.output).toContain("ORGKIT_API_KEYS: required secret not set")
    expect(refused.output).not.toContain("s3cret-value")
    expect((await checkProduction(join(scratch, "absent.env"))).code).toBe(1)
    const copied = await checkProduction(join(app, ".dev.vars.example"))
    expect(copied.code).toBe(1)
    expect(copied.output).toContain("LOGTO_ENDPOINT: still the development value of .dev.vars.example")

    const complete = join(scratch, "complete.env")
    writeFileSync(
      complete,
      [
        "LOGTO_ENDPOINT=https://acme.logto.app",
        "LOGTO_M2M_CLIENT_ID=m2m-app",
        "LOGTO_M2M_CLIENT_SECRET=s3cret-value",
        "LOGTO_API_RESOURCE=https://acme.logto.app/api",
        `ORGKIT_API_KEYS=[{"id":"platform","name":"Platform","keyHash":"sha256:${"ab".repeat(32)}","scopes":["read"]}]`
      ].join("\n")
    )
    const accepted = await checkProduction(complete)
    expect([accepted.code, accepted.output]).toEqual([0, expect.stringContaining("Production settings complete")])
  })
})
