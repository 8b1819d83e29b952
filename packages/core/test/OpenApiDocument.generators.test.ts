/**
 * The OpenAPI document as code generators see it: Redocly's linter (`recommended-strict`) finds no
 * problem in it, and the TypeScript that openapi-typescript generates from it agrees with core's
 * own types for every operation (path, query, body and success body, checked by the type checker in
 * both directions), so a team that generates a client from `/openapi.json` gets core's contract.
 */
import { createConfig, lintFromString } from "@redocly/openapi-core"
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import openapiTS from "openapi-typescript"
import { afterAll, describe, expect, it } from "vitest"
import { OpenApiDocument, RouteTable } from "../src/index.ts"

const run = promisify(execFile)
const core = resolve(import.meta.dirname, "..")
const tsc = resolve(core, "../../node_modules/.bin/tsc")
const document = OpenApiDocument.make({ bearer: true, servers: [{ url: "https://orgkit-proxy.acme.dev" }] })
const workspaces: Array<string> = []

afterAll(() => {
  if (process.env["ORGKIT_KEEP_GENERATED"] !== undefined) return
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

/** The type-level check: one `Conforms<endpoint, operations[operationId]>` per route of the table. */
const checkSource = (routes: ReadonlyArray<RouteTable.Route>) => `
import type { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import type { OrganizationApplicationsGroup } from "./src/OrganizationApplicationsGroup.ts"
import type { OrganizationJitGroup } from "./src/OrganizationJitGroup.ts"
import type { OrganizationsGroup } from "./src/OrganizationsGroup.ts"
import type { OrganizationUsersGroup } from "./src/OrganizationUsersGroup.ts"
import type { operations } from "./generated.ts"

type Normalize<T> =
  T extends ReadonlyArray<infer U> ? Array<Normalize<U>> : T extends object ? { -readonly [K in keyof T]: Normalize<T[K]> } : T
type Equals<A, B> =
  (<T>() => T extends Normalize<A> ? 1 : 2) extends <T>() => T extends Normalize<B> ? 1 : 2 ? true : false

type Endpoints =
  | HttpApiGroup.Endpoints<typeof OrganizationsGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationUsersGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationApplicationsGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationJitGroup>
type Endpoint<Name extends string> = HttpApiEndpoint.WithIdentifier<Endpoints, Name>
type BodyOf<T> = T extends { readonly body: infer B; readonly headers: unknown } ? B : T

interface Ours<E> {
  path: [HttpApiEndpoint.Params<E>] extends [never] ? never : HttpApiEndpoint.Params<E>["Type"]
  query: [HttpApiEndpoint.Query<E>] extends [never] ? never : HttpApiEndpoint.Query<E>["Type"]
  body: [HttpApiEndpoint.Payload<E>] extends [never] ? never : HttpApiEndpoint.Payload<E>["Type"]
  success: BodyOf<HttpApiEndpoint.Success<E>["Type"]>
}
interface Slots { path: unknown; query: unknown; body: unknown; success: unknown }
type Content<S> = S extends { content: infer C }
  ? [C] extends [never] ? void
    : C extends { "application/json": infer B } ? B
    : C extends { "text/plain; charset=utf-8": infer T } ? T
    : never
  : void
type Success2xx<R> = R extends { 200: infer S } ? Content<S> : R extends { 201: infer S } ? Content<S> : void
interface Generated<O extends { responses: unknown }> {
  path: O extends { parameters: { path: infer P } } ? P : never
  query: O extends { parameters: { query?: infer Q } } ? Exclude<Q, undefined> : never
  body: [NonNullable<O["requestBody" & keyof O]>] extends [never]
    ? never
    : NonNullable<O["requestBody" & keyof O]> extends { content: { "application/json": infer B } } ? B : never
  success: Success2xx<O["responses"]>
}
type Conforms<Name extends string, G extends Slots, O extends Slots = Ours<Endpoint<Name>>> =
  Equals<O["path"], G["path"]> extends false ? \`\${Name}: path differs\`
  : Equals<O["query"], G["query"]> extends false ? \`\${Name}: query differs\`
  : Equals<O["body"], G["body"]> extends false ? \`\${Name}: body differs\`
  : Equals<O["success"], G["success"]> extends false ? \`\${Name}: success differs\`
  : "ok"

export const agreement: Record<string, "ok"> = {
${routes.map((r) => `  ${r.operationId}: null as unknown as Conforms<"${r.name}", Generated<operations["${r.operationId}"]>>,`).join("\n")}
}
`

/** Type-checks the generated types against core's (a copy of src, so that a test may change it). */
const typecheck = async (generated: string) => {
  // node_modules/.cache exists only after a build: created here so a fresh clone's `vitest run` works.
  mkdirSync(join(core, "node_modules/.cache"), { recursive: true })
  const dir = mkdtempSync(join(core, "node_modules/.cache/openapi-typescript-"))
  workspaces.push(dir)
  symlinkSync(join(core, "src"), join(dir, "src"))
  symlinkSync(join(core, "node_modules"), join(dir, "node_modules"))
  writeFileSync(join(dir, "generated.ts"), generated)
  writeFileSync(join(dir, "check.ts"), checkSource(RouteTable.routes))
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(core, "../../tsconfig.base.json"),
      files: ["check.ts"],
      compilerOptions: { noEmit: true, composite: false, incremental: false, rootDir: ".", types: [] }
    })
  )
  if (process.env["ORGKIT_KEEP_GENERATED"] !== undefined) console.log(dir)
  return run(tsc, ["-p", join(dir, "tsconfig.json")]).then(
    () => "",
    (error: { stdout?: string }) => String(error.stdout)
  )
}

describe("the OpenAPI document in generators", () => {
  it("passes Redocly's recommended-strict rules without a problem", async () => {
    const config = await createConfig({ extends: ["recommended-strict"] })
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: "/openapi.json", config })
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([])
  })

  it("declares each component once: no schema equal to a component is inlined, no `Encoded` names", () => {
    const text = JSON.stringify(document)
    const components = (document.components as unknown as { schemas: Record<string, unknown> }).schemas
    expect(Object.keys(components).filter((name) => name.endsWith("Encoded"))).toEqual([])
    for (const name of ["NotFound", "BadRequest", "Unauthorized", "Forbidden", "UnprocessableEntity"]) {
      expect(components).toHaveProperty(name)
    }
    // Each shape occurs as often as there are components of that shape (the error bodies share one).
    const named = new Map<string, number>()
    for (const schema of Object.values(components)) {
      named.set(JSON.stringify(schema), (named.get(JSON.stringify(schema)) ?? 0) + 1)
    }
    for (const [shape, count] of named) expect(text.split(shape).length - 1, shape).toBe(count)
    expect(text).not.toContain("Infinity")
  })

  it("generates TypeScript (openapi-typescript) that agrees with core's types for all 36 operations", async () => {
    const generated = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0])
    expect(generated).toContain("export interface operations")
    expect(await typecheck(generated)).toBe("")
  }, 120_000)

  it("would notice a disagreement: a generated field of another type fails the check, naming the operation", async () => {
    const generated = await openapiTS(document as unknown as Parameters<typeof openapiTS>[0])
    const changed = generated.replace(/isMfaRequired: boolean;/g, "isMfaRequired: string;")
    expect(changed).not.toBe(generated)
    const output = await typecheck(changed)
    expect(output).toContain("getOrganization: success differs")
  }, 120_000)
})
