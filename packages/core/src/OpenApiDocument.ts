/**
 * The OpenAPI 3.1 document of the 36 operations, generated from `OrganizationsApi` and made as
 * useful as Logto's own: query and path parameters keep their types, bounds, defaults and
 * descriptions (Effect's generator describes them by their string wire form only).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as OpenApi from "effect/http-api/OpenApi"
import { OrganizationsApi } from "./OrganizationsApi.ts"
import * as Pagination from "./Pagination.ts"
import { type Route, routes } from "./RouteTable.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Servers to list, e.g. the proxy's own URL. */
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description?: string }>
  /** Declare bearer authentication on every operation (as Logto and the proxy require). */
  readonly bearer?: boolean
}

type JsonSchema = Record<string, unknown>
interface Parameter {
  readonly name: string
  readonly in: string
  schema: JsonSchema
  description?: string
  required: boolean
}

const typeSideProperties = (schema: Schema.Top | undefined): Record<string, JsonSchema> => {
  if (schema === undefined) return {}
  const document = Schema.toJsonSchemaDocument(Schema.toType(schema))
  const root = document.schema as JsonSchema
  const resolve = (s: JsonSchema): JsonSchema => {
    const ref = s["$ref"]
    if (typeof ref !== "string") return s
    return resolve((document.definitions as Record<string, JsonSchema>)[ref.split("/").pop()!] ?? s)
  }
  return (resolve(root)["properties"] ?? {}) as Record<string, JsonSchema>
}

const describeParameters = (route: Route, parameters: Array<Parameter>) => {
  const fields = { ...typeSideProperties(route.endpoint.query), ...typeSideProperties(route.endpoint.params) }
  for (const parameter of parameters) {
    const { description, ...schema } = fields[parameter.name] ?? parameter.schema
    parameter.schema = schema
    if (route.pagination === "mandatory" && parameter.name === "page") parameter.schema = { ...schema, default: 1 }
    if (route.pagination === "mandatory" && parameter.name === "page_size") {
      parameter.schema = { ...schema, default: Pagination.defaultPageSize }
    }
    if (typeof description === "string") parameter.description = description
  }
}

/**
 * Builds the document. Pure: the same options give an equal document.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): OpenApi.OpenAPISpec => {
  const base = OpenApi.fromApi(OrganizationsApi)
  const document = structuredClone(base) as OpenApi.OpenAPISpec & Record<string, unknown>
  for (const route of routes) {
    const operation = (document.paths[route.template] as Record<string, { parameters?: Array<Parameter> }>)[
      route.method.toLowerCase()
    ]!
    describeParameters(route, operation.parameters ?? [])
    if (options.bearer === true) (operation as Record<string, unknown>)["security"] = [{ bearer: [] }]
  }
  if (options.servers !== undefined) (document as Record<string, unknown>)["servers"] = options.servers
  if (options.bearer === true) {
    const components = document.components as unknown as Record<string, unknown>
    components["securitySchemes"] = { bearer: { type: "http", scheme: "bearer" } }
  }
  return document
}
