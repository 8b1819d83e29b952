/**
 * The proxy's own documentation routes: the OpenAPI document and the API reference's files.
 */
export { type DocsAsset, docsAssets, docsCsp, docsHeaders } from "./assets.ts"
export { openApiJson } from "./openapi.ts"
