/**
 * The README's local development on Workers, run as written: the commands of its
 * `readme-test: workers-local-setup` block (the fake on :3001, `.dev.vars` from the example,
 * `run dev`: static assets, local D1 migrations, `wrangler dev` on :8787) from the repository root,
 * then the `workers-local-use` block's commands. A write must be answered 201 and its audit event be
 * listed by `GET /audit/events` with the `audit:read` key; `/readyz` must say ready; the API reference
 * is served as static assets (Cloudflare's asset layer, in front of the Worker).
 *
 * The block's first line, the install, is the one command not run: the test runs inside the installed
 * tree. A developer's own `.dev.vars` is put back afterwards (or the copy removed). Needs ports 3001
 * and 8787 free.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from "node:fs"
import { resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { docsAssets, docsCsp } from "../../src/docs/assets.ts"
import { docsAssetPath } from "../../src/docs/node/serve.ts"

const exec = promisify(execFile)
const app = resolve(import.meta.dirname, "../..")
const repo = resolve(app, "../..")
const readme = readFileSync(resolve(app, "README.md"), "utf8")
const devVars = resolve(app, ".dev.vars")
const saved = resolve(app, ".dev.vars.readme-test-saved")

/** The commands of the README block after `<!-- readme-test: name -->`, one per line. */
const block = (name: string): Array<string> => {
  const marker = readme.indexOf(`<!-- readme-test: ${name} -->`)
  if (marker === -1) throw new Error(`README.md has no block ${name}`)
  const start = readme.indexOf("```sh\n", marker) + "```sh\n".length
  return readme
    .slice(start, readme.indexOf("\n```", start))
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
}

// The README's commands run with only the workspace's tools first on the PATH, as `npm` gives them.
const env = { ...process.env, PATH: `${resolve(repo, "node_modules/.bin")}:${process.env["PATH"] ?? ""}` }
const background: Array<ChildProcess> = []

const shell = async (command: string): Promise<string> => {
  if (command.endsWith("&")) {
    const child = spawn("bash", ["-c", command.slice(0, -1)], { cwd: repo, env, detached: true, stdio: "ignore" })
    background.push(child)
    return ""
  }
  const { stdout } = await exec("bash", ["-c", command], { cwd: repo, env, maxBuffer: 16 * 1024 * 1024 })
  return stdout
}

const answered = async (url: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe("README: Workers local development", () => {
  beforeAll(async () => {
    if (existsSync(devVars)) copyFileSync(devVars, saved)
    const setup = block("workers-local-setup")
    if (setup[0] !== "npx -y pnpm@12.21.0 install --frozen-lockfile") {
      throw new Error(`the README's setup block no longer starts with the install: ${setup[0]}`)
    }
    for (const command of setup.slice(1)) await shell(command)
    await answered("http://127.0.0.1:8787/readyz", 90_000)
  }, 120_000)

  afterAll(async () => {
    for (const child of background) {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGINT")
        } catch {
          // already gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 1_000))
    if (existsSync(saved)) {
      copyFileSync(saved, devVars)
      rmSync(saved)
    } else {
      rmSync(devVars, { force: true })
    }
  })

  it("answers the write 201 and lists its audit event; ready", async () => {
    const [write, events, ready] = block("workers-local-use")
    expect([write, events, ready].every((c) => c?.startsWith("curl "))).toBe(true)
    const raw = await shell(write!)
    expect(raw).toMatch(/^HTTP\/1\.1 201 Created\r?\n/)
    const created = JSON.parse(raw.slice(raw.search(/\r?\n\r?\n/)).trim()) as { id: string; name: string }
    expect(created.name).toBe("Umbrella")
    const page = JSON.parse(await shell(events!)) as {
      events: Array<{ organizationId: string; operationId: string; actor: { id: string }; status: number }>
    }
    expect(page.events[0]).toMatchObject({
      organizationId: created.id,
      operationId: "CreateOrganization",
      actor: { id: "dev" },
      status: 201
    })
    expect(JSON.parse(await shell(ready!))).toMatchObject({ status: "ready", checks: { token: "ok", audit: "ok" } })
  })

  it("serves the API reference as static assets, with their CSP, and leads there from /", async () => {
    const root = await fetch("http://127.0.0.1:8787/", { redirect: "manual" })
    expect([root.status, root.headers.get("location")]).toEqual([302, "/docs/"])
    for (const asset of docsAssets) {
      const path = asset.name === "index.html" ? "/docs/" : `/docs/${asset.name}`
      const response = await fetch(`http://127.0.0.1:8787${path}`)
      const body = new Uint8Array(await response.arrayBuffer())
      expect([path, response.status, response.headers.get("content-type")?.split(";")[0]]).toEqual([
        path,
        200,
        asset.contentType.split(";")[0]
      ])
      expect(response.headers.get("content-security-policy")).toBe(docsCsp)
      expect(body.length).toBe(statSync(docsAssetPath(asset)).size)
    }
  })
})
