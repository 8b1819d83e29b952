/**
 * Runs the type-level conformance check (`typetest/Conformance.ts`) with the real type checker, on
 * the schemas as they are and on copies with one field changed away from Logto's shape: every
 * mutation must make the check fail, naming the operation.
 */
import { execFile } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"

const run = promisify(execFile)
const core = resolve(import.meta.dirname, "..")
const tsc = resolve(core, "../../node_modules/.bin/tsc")
const workspaces: Array<string> = []

/** Type-checks a copy of src + typetest with `edit` applied to one source file. */
const typecheck = async (edit?: { file: string; from: string; to: string }) => {
  // node_modules/.cache exists only after a build: created here so a fresh clone's `vitest run` works.
  mkdirSync(join(core, "node_modules/.cache"), { recursive: true })
  const dir = mkdtempSync(join(core, "node_modules/.cache/conformance-"))
  workspaces.push(dir)
  cpSync(join(core, "src"), join(dir, "src"), { recursive: true })
  cpSync(join(core, "typetest"), join(dir, "typetest"), { recursive: true })
  symlinkSync(join(core, "node_modules"), join(dir, "node_modules"))
  if (edit !== undefined) {
    const path = join(dir, "src", edit.file)
    const source = readFileSync(path, "utf8")
    if (!source.includes(edit.from)) throw new Error(`mutation target not found in ${edit.file}: ${edit.from}`)
    writeFileSync(path, source.replace(edit.from, edit.to))
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(core, "../../tsconfig.base.json"),
      include: ["src", "typetest"],
      compilerOptions: { noEmit: true, composite: false, incremental: false, rootDir: ".", types: [] }
    })
  )
  try {
    await run(tsc, ["-p", join(dir, "tsconfig.json")])
    return { ok: true, output: "" }
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) }
  }
}

afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true })
})

const mutations = [
  {
    name: "an organization field's type changes",
    file: "Organization.ts",
    from: "  isMfaRequired: Schema.Boolean,",
    to: "  isMfaRequired: Schema.String,",
    fails: "getOrganization"
  },
  {
    name: "a nullable request field becomes non-null",
    file: "Organization.ts",
    from: "customCss: Schema.optionalKey(Schema.NullOr(Schema.String)),",
    to: "customCss: Schema.optionalKey(Schema.String),",
    fails: "createOrganization"
  },
  {
    name: "a response field is added",
    file: "Organization.ts",
    from: "  createdAt: Schema.Number\n}",
    to: "  createdAt: Schema.Number,\n  extra: Schema.String\n}",
    fails: "listOrganizations"
  },
  {
    name: "a user field becomes non-nullable",
    file: "Member.ts",
    from: "  primaryPhone: Schema.NullOr(Schema.String),",
    to: "  primaryPhone: Schema.String,",
    fails: "listOrganizationUsers"
  },
  {
    name: "an application field is removed",
    file: "Member.ts",
    from: "  isThirdParty: Schema.Boolean,\n",
    to: "",
    fails: "listOrganizationApplications"
  },
  {
    name: "the role type is widened",
    file: "Role.ts",
    from: "  type: RoleType\n",
    to: "  type: Schema.String\n",
    fails: "listOrganizationUserRoles"
  },
  {
    name: "an SSO connector field's type changes",
    file: "Jit.ts",
    from: "  syncProfile: Schema.Boolean,",
    to: "  syncProfile: Schema.Number,",
    fails: "listOrganizationJitSsoConnectors"
  },
  {
    name: "a required body key becomes optional",
    file: "Payload.ts",
    from: 'userIds: nonEmptyIds("An array of user IDs to be added to the organization.")',
    to: 'userIds: Schema.optionalKey(nonEmptyIds("An array of user IDs to be added to the organization."))',
    fails: "addOrganizationUsers"
  },
  {
    name: "a query parameter is renamed",
    file: "OrganizationsGroup.ts",
    from: "        showFeatured: Schema.optionalKey",
    to: "        showFeature: Schema.optionalKey",
    fails: "listOrganizations"
  },
  {
    name: "a path parameter is renamed",
    file: "OrganizationUsersGroup.ts",
    from: "const member = { id: params.id, userId: params.userId }",
    to: "const member = { id: params.id, user: params.userId }",
    fails: "deleteOrganizationUser"
  }
] as const

describe("type-level conformance with @logto/api 1.42.0", () => {
  it("holds for all 36 operations as defined", async () => {
    const result = await typecheck()
    expect(result.output).toBe("")
    expect(result.ok).toBe(true)
  })

  it.each(mutations)("fails when $name ($file)", async (mutation) => {
    const result = await typecheck(mutation)
    expect(result.ok).toBe(false)
    expect(result.output).toContain(`${mutation.fails}: `)
    expect(result.output).toMatch(/differs from @logto\/api/)
  })
})
