/**
 * The API reference's files, listed once: Swagger UI's own files from the `swagger-ui-dist` package
 * (npm) and the proxy's three (`static/`). On Workers, `scripts/docs-assets.ts` copies them into the
 * static assets directory (`wrangler.jsonc` `assets`, served by Cloudflare before the Worker runs,
 * never in its bundle); on Node, `node/serve.ts` serves them from the package's files.
 */

/** One file of the reference, served at `/docs/<name>`. */
export interface DocsAsset {
  /** The file's name under `/docs/`. */
  readonly name: string
  /** Where it comes from: the npm package, or the proxy's `src/docs/static/`. */
  readonly from: "swagger-ui-dist" | "static"
  readonly contentType: string
}

/** Every file under `/docs/` (`index.html` answers `/docs/`). */
export const docsAssets: ReadonlyArray<DocsAsset> = [
  { name: "index.html", from: "static", contentType: "text/html; charset=utf-8" },
  { name: "reference.js", from: "static", contentType: "text/javascript; charset=utf-8" },
  { name: "reference.css", from: "static", contentType: "text/css; charset=utf-8" },
  { name: "swagger-ui-bundle.js", from: "swagger-ui-dist", contentType: "text/javascript; charset=utf-8" },
  { name: "swagger-ui.css", from: "swagger-ui-dist", contentType: "text/css; charset=utf-8" },
  { name: "favicon-32x32.png", from: "swagger-ui-dist", contentType: "image/png" }
]

/**
 * The reference's Content-Security-Policy: its own scripts and styles (Swagger UI sets inline
 * styles), requests to this proxy only, nothing from elsewhere.
 */
export const docsCsp =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** Headers of every `/docs/` file besides its content type. */
export const docsHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": docsCsp,
  "x-content-type-options": "nosniff",
  "cache-control": "public, max-age=300"
}
