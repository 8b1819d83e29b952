/**
 * Checks the production settings before `run deploy` uploads anything: the file given (dotenv or
 * JSON, the `--secrets-file` of `wrangler deploy --env production`) plus the production vars of
 * `wrangler.jsonc` must name every secret `env.production.secrets.required` lists, hold none of the
 * development values of `.dev.vars.example`, and decode with the proxy's own configuration decoder (`src/config.ts`, what the Worker runs). Prints the problems
 * by setting name (never a value) and exits 1, or prints which settings it checked and exits 0.
 *
 *   node scripts/check-production.ts .production.env
 */
import { existsSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import { parseEnv } from "node:util"
import * as Result from "effect/Result"
import { unstable_readConfig } from "wrangler"
import { decodeConfig } from "../src/config.ts"

const app = resolve(import.meta.dirname, "..")

/** The production environment as wrangler resolves it: its vars and its required secrets. */
export const productionConfig = () => {
  const config = unstable_readConfig({ config: resolve(app, "wrangler.jsonc"), env: "production" })
  return {
    vars: Object.fromEntries(Object.entries(config.vars).map(([name, value]) => [name, String(value)])),
    required: (config.secrets?.required ?? []) as ReadonlyArray<string>
  }
}

/** The development settings (`.dev.vars.example`): none of these values may ship. */
export const developmentSettings = (): Record<string, string> =>
  parseEnv(readFileSync(resolve(app, ".dev.vars.example"), "utf8")) as Record<string, string>

/** The problems of a production deployment with these secrets (empty: it will start). */
export const productionProblems = (secrets: Readonly<Record<string, string>>): Array<string> => {
  const { vars, required } = productionConfig()
  const problems = required.filter((name) => !(name in secrets)).map((name) => `${name}: required secret not set`)
  for (const [name, value] of Object.entries(developmentSettings())) {
    if (secrets[name] === value) problems.push(`${name}: still the development value of .dev.vars.example`)
  }
  const decoded = decodeConfig({ ...vars, ...secrets })
  if (Result.isFailure(decoded)) problems.push(...decoded.failure.problems)
  return problems
}

const readSecrets = (file: string): Record<string, string> => {
  const text = readFileSync(file, "utf8")
  return (text.trimStart().startsWith("{") ? JSON.parse(text) : parseEnv(text)) as Record<string, string>
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const file = resolve(process.argv[2] ?? ".production.env")
  if (!existsSync(file)) {
    console.error(`${file} is missing: write the production settings there (README.md, Deploying).`)
    process.exit(1)
  }
  const secrets = readSecrets(file)
  const problems = productionProblems(secrets)
  if (problems.length > 0) {
    console.error(`The production settings in ${file} are not complete:\n${problems.map((p) => `  - ${p}`).join("\n")}`)
    process.exit(1)
  }
  console.log(`Production settings complete: ${Object.keys(secrets).sort().join(", ")}`)
}
