/**
 * The three libraries as another team gets them: `pnpm pack`ed (built, `publishConfig` applied),
 * installed with plain npm into a fresh project outside the workspace (offline: their dependencies
 * come from the workspace's store as tarballs; an unreachable registry and an empty npm cache
 * make any registry request fail), then used there: a strict TypeScript consumer compiled under
 * `module: node16` and under `moduleResolution: bundler` and run against the fake over HTTP
 * (Promise API and Effect API), a CommonJS consumer that `require()`s the ESM-only packages, and a
 * CommonJS TypeScript consumer (`node16`) that loads them with `await import()`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { installOffline, packWorkspace, run, storeTarballs } from "./fixtures/pack.ts"

const sources = resolve(import.meta.dirname, "consumer")
const typescript = createRequire(import.meta.url).resolve("typescript/package.json")
const tsc = join(typescript, "..", "bin/tsc")
const libraries = ["core", "testing", "client"]
let project = ""

// What a careful team turns on. `skipLibCheck` stays on, as `tsc --init` writes it: fast-check 4.11.0's
// declarations import `pure-rand/types/*`, which pure-rand 8.4.2 exports for `import` from files it
// does not ship (lib/esm/types), so no ESM project can check them.
const strict = {
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  target: "ES2022",
  // effect's types use the Web Crypto types (CryptoKey), which @types/node does not declare.
  lib: ["ES2022", "DOM"],
  types: ["node"]
}

const tsconfig = (name: string, options: Record<string, unknown>, files: ReadonlyArray<string>) =>
  writeFileSync(
    join(project, name),
    JSON.stringify({ compilerOptions: { ...strict, ...options }, files }, undefined, 2)
  )

const node = async (file: string): Promise<unknown> => {
  const { stdout } = await run(process.execPath, [file], project)
  return JSON.parse(stdout.trim().split("\n").at(-1)!)
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "orgkit-consumer-"))
  const packed = join(project, "tarballs")
  mkdirSync(packed)
  const ours = await packWorkspace(libraries, packed)
  const theirs = await storeTarballs(libraries, packed, { from: "client", names: ["@types/node"] })
  // What `npm init -y` writes, but an ES module project (the CommonJS consumers below opt out per file).
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, undefined, 2)
  )
  await installOffline(project, [...ours, ...theirs])
  for (const file of readdirSync(sources)) copyFileSync(join(sources, file), join(project, file))
}, 600_000)

afterAll(() => {
  if (project !== "" && process.env["ORGKIT_KEEP_CONSUMER"] === undefined)
    rmSync(project, { recursive: true, force: true })
})

const expectedTs = {
  promise: {
    created: "Globex",
    totalCount: 2,
    firstPage: 1,
    names: ["Acme", "Globex"],
    notFound: "404 entity.not_exists_with_id",
    sameClass: true
  },
  effect: { members: ["u1", "u2"], missing: "NotFound entity.not_exists_with_id" }
}

describe("the packed libraries in a fresh npm project", () => {
  it("install offline with one copy of effect, declared as a peer with its range, and Node's engines", () => {
    const manifest = (name: string) =>
      JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8")) as {
        peerDependencies?: Record<string, string>
        dependencies?: Record<string, string>
        engines?: Record<string, string>
      }
    for (const name of ["@orgkit/core", "@orgkit/client", "@orgkit/testing"]) {
      expect(manifest(name).peerDependencies).toEqual({ effect: ">=4.1.0 <4.2.0" })
      expect(manifest(name).dependencies?.["effect"]).toBeUndefined()
      expect(manifest(name).engines).toEqual({ node: ">=22.12" })
    }
    const copies: Array<string> = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue
        const path = join(dir, entry.name)
        if (entry.name === "effect" && dir.endsWith("node_modules")) copies.push(path)
        walk(path)
      }
    }
    walk(join(project, "node_modules"))
    expect(copies).toEqual([join(project, "node_modules/effect")])
  })

  it("compiles a strict TypeScript consumer under module node16 and runs it against the fake", async () => {
    tsconfig("tsconfig.node16.json", { module: "node16", outDir: "out-node16" }, ["consumer.ts"])
    await run(process.execPath, [tsc, "-p", "tsconfig.node16.json"], project)
    expect(await node("out-node16/consumer.js")).toEqual(expectedTs)
  })

  it("compiles the same consumer under moduleResolution bundler and runs it", async () => {
    tsconfig("tsconfig.bundler.json", { module: "esnext", moduleResolution: "bundler", outDir: "out-bundler" }, [
      "consumer.ts"
    ])
    await run(process.execPath, [tsc, "-p", "tsconfig.bundler.json"], project)
    expect(await node("out-bundler/consumer.js")).toEqual(expectedTs)
  })

  it("runs a CommonJS consumer that require()s the ESM-only packages", async () => {
    expect(await node("consumer.cjs")).toEqual({ name: "Acme", apiError: true, status: 404 })
  })

  it("compiles a CommonJS TypeScript consumer under node16 that loads them with await import()", async () => {
    tsconfig("tsconfig.cjs.json", { module: "node16", outDir: "out-cjs" }, ["dynamic-import.cts"])
    await run(process.execPath, [tsc, "-p", "tsconfig.cjs.json"], project)
    expect(await node("out-cjs/dynamic-import.cjs")).toEqual({ names: ["Acme"], apiError: true })
  })
})
