/**
 * Teams install @orgkit/core from a registry, not from this repository's source: build it, pack it
 * as pnpm would publish it, install the tarball into a throwaway Node 22 project outside the
 * workspace, and use it there (runtime and types). Offline: its dependencies come from the
 * workspace's store as tarballs and npm gets an unreachable registry (the client's pack fixture,
 * shared by every package's pack tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

/**
 * The client's pack fixture (`packages/client/test/fixtures/pack.ts`), loaded by path: it lies
 * outside this package's type program, so its shape is declared here.
 */
interface PackFixture {
  readonly packWorkspace: (names: ReadonlyArray<string>, dest: string) => Promise<Array<string>>
  readonly storeTarballs: (workspace: ReadonlyArray<string>, dest: string) => Promise<Array<string>>
  readonly installOffline: (project: string, tarballs: ReadonlyArray<string>) => Promise<unknown>
  readonly run: (command: string, args: ReadonlyArray<string>, cwd: string) => Promise<{ readonly stdout: string }>
}
const fixture = resolve(import.meta.dirname, "../../client/test/fixtures/pack.ts")
const { installOffline, packWorkspace, run, storeTarballs } = (await import(fixture)) as PackFixture

const bin = resolve(import.meta.dirname, "../../../node_modules/.bin")
let project = ""

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "orgkit-core-pack-"))
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  const ours = await packWorkspace(["core"], project)
  const theirs = await storeTarballs(["core"], project)
  await installOffline(project, [...ours, ...theirs])
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
    const { stdout } = await run(join(bin, "node"), ["use.mjs"], project)
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
    const result = await run(join(bin, "tsc"), ["-p", project], project).then(
      () => "",
      (error: Error) => error.message
    )
    expect(result).toBe("")
  })
})
