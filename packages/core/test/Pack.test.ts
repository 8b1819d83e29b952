/**
 * Teams install @orgkit/core from a registry, not from this repository's source: build it, pack it
 * as pnpm would publish it, install the tarball into a throwaway Node 22 project outside the
 * workspace, and use it there (runtime and types).
 */
import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const core = resolve(import.meta.dirname, "..")
const bin = resolve(core, "../../node_modules/.bin")
const env = { ...process.env, PATH: `${bin}:${process.env["PATH"]}` }
let project = ""

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "orgkit-core-pack-"))
  await run(join(bin, "pnpm"), ["run", "build"], { cwd: core, env })
  await run(join(bin, "pnpm"), ["pack", "--pack-destination", project], { cwd: core, env })
  const tarball = readdirSync(project).find((f) => f.endsWith(".tgz"))!
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "consumer",
      private: true,
      type: "module",
      dependencies: { "@orgkit/core": `file:./${tarball}` }
    })
  )
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, env })
}, 180_000)

afterAll(() => {
  if (project !== "") rmSync(project, { recursive: true, force: true })
})

describe("the packed @orgkit/core", () => {
  it("imports from dist in plain Node 22 and serves its contract", async () => {
    writeFileSync(
      join(project, "use.mjs"),
      `import { RouteTable, OpenApiDocument, Organization, Validation } from "@orgkit/core"
import { Schema } from "effect"
const doc = OpenApiDocument.make()
const ops = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId))
const org = Schema.decodeUnknownSync(Organization.CreateOrganization)({ name: "Acme" })
let internal = "blocked"
try { await import("@orgkit/core/internal/strings") ; internal = "exposed" } catch {}
console.log(JSON.stringify({ node: process.version, routes: RouteTable.routes.length, ops: ops.length, org, internal,
  resolved: import.meta.resolve("@orgkit/core") }))`
    )
    const { stdout } = await run(join(bin, "node"), ["use.mjs"], { cwd: project, env })
    const out = JSON.parse(stdout) as Record<string, unknown>
    expect(out["node"]).toMatch(/^v22\./)
    expect(out).toMatchObject({ routes: 36, ops: 36, org: { name: "Acme" }, internal: "blocked" })
    expect(out["resolved"]).toMatch(/node_modules\/@orgkit\/core\/dist\/index\.js$/)
  })

  it("ships declarations that type-check a consumer", async () => {
    writeFileSync(
      join(project, "use.ts"),
      `import { Organization, RouteTable } from "@orgkit/core"
export const name: string = ({} as Organization.Organization).name
export const count: number = RouteTable.routes.length
// @ts-expect-error: the organization id is a string
export const wrong: number = ({} as Organization.Organization).id
`
    )
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: []
        },
        files: ["use.ts"]
      })
    )
    const result = await run(join(bin, "tsc"), ["-p", project], { cwd: project, env }).then(
      () => "",
      (error: { stdout?: string }) => String(error.stdout)
    )
    expect(result).toBe("")
  })
})
