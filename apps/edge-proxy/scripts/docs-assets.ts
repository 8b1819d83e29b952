/**
 * Writes the API reference's static assets for Workers (`wrangler.jsonc` `assets.directory`):
 * `public/docs/*` (the files of `src/docs/assets.ts`, Swagger UI's from the installed
 * `swagger-ui-dist`) and `public/_headers` (their Content-Security-Policy). `wrangler dev`, the
 * deploy and the workerd tests run it first; the directory is generated, never committed.
 *
 *   node scripts/docs-assets.ts [directory]
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { docsAssets, docsHeaders } from "../src/docs/assets.ts"
import { docsAssetPath } from "../src/docs/node/serve.ts"

/** The assets directory `wrangler.jsonc` names. */
export const assetsDir = resolve(import.meta.dirname, "../public")

/** Writes the assets into `dir` (replacing what was there). */
export const writeDocsAssets = (dir: string = assetsDir): void => {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, "docs"), { recursive: true })
  for (const asset of docsAssets) copyFileSync(docsAssetPath(asset), join(dir, "docs", asset.name))
  const headers = Object.entries(docsHeaders)
    .filter(([name]) => name !== "cache-control")
    .map(([name, value]) => `  ${name}: ${value}`)
  writeFileSync(join(dir, "_headers"), `/docs/*\n${headers.join("\n")}\n`)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeDocsAssets(process.argv[2] === undefined ? assetsDir : resolve(process.argv[2]))
}
