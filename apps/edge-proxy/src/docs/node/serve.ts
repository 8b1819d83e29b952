/**
 * The API reference on Node: `/docs/*` from the `swagger-ui-dist` package's files and the proxy's
 * `static/`, read once on first request and kept in memory (about 1.5 MiB).
 */
import { readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { type DocsAsset, docsAssets, docsHeaders } from "../assets.ts"

const packageDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"))
const staticDir = join(import.meta.dirname, "../static")

/** Where a reference file is on disk. */
export const docsAssetPath = (asset: DocsAsset): string =>
  join(asset.from === "static" ? staticDir : packageDir, asset.name)

/** Answers `/docs/<name>` (and `/docs/` with `index.html`), or `undefined` for any other name. */
export const nodeDocsAssets = (): ((name: string) => Promise<Response | undefined>) => {
  const files = new Map<string, Promise<Uint8Array>>()
  return async (name) => {
    const asset = docsAssets.find((a) => a.name === (name === "" ? "index.html" : name))
    if (asset === undefined) return undefined
    let body = files.get(asset.name)
    if (body === undefined) files.set(asset.name, (body = readFile(docsAssetPath(asset))))
    return new Response((await body) as BodyInit, { headers: { "content-type": asset.contentType, ...docsHeaders } })
  }
}
