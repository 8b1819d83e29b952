/**
 * Writes `seed.schema.json` (the seed format as JSON Schema) from `Seed.Seed`, formatted with the
 * repository's formatter. Run: pnpm --filter @orgkit/testing run seed-schema
 */
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Seed from "../src/Seed.ts"

const target = fileURLToPath(new URL("../seed.schema.json", import.meta.url))
writeFileSync(target, `${JSON.stringify(Seed.jsonSchema(), null, 2)}\n`)
try {
  execFileSync("oxfmt", [target], { stdio: "ignore" })
} catch {
  process.stderr.write("oxfmt not found on PATH: seed.schema.json is written but not formatted\n")
}
process.stdout.write(`wrote ${target}\n`)
