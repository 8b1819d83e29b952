/**
 * The proxy's own documentation routes: the OpenAPI document and the API reference page.
 */
export { docsCsp, docsPage } from "./page.ts"
export { openApiJson } from "./openapi.ts"
