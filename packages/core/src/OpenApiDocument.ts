/**
 * The OpenAPI 3.1 document of the 36 operations, generated from `OrganizationsApi` and made as
 * useful as Logto's own: query and path parameters keep their types, bounds, defaults and
 * descriptions (Effect's generator describes them by their string wire form only). It is also made
 * clean for code generators: a schema that equals a component is a `$ref` to it (Effect's generator
 * inlines a component once more where a struct embeds it), numbers are plain JSON numbers (Logto
 * never sends the `"Infinity"`/`"NaN"` strings Effect's encoding of `Schema.Number` allows), and the
 * error bodies are named after their status as Logto names it (`NotFound`, not `NotFoundEncoded`);
 * a free-form object says `additionalProperties: true`, as Logto's document does.
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

type Json = unknown

/** JSON with sorted keys: two schemas are the same schema when their canonical texts are equal. */
const canonical = (value: Json): string =>
  JSON.stringify(value, (_key, v: Json) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, Json>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v
  )

/** Effect's JSON encoding of a non-finite number, as its generator describes `Schema.Number`. */
const nonFinite = canonical({ type: "string", enum: ["Infinity", "-Infinity", "NaN"] })

/**
 * An `anyOf` holding a number and Effect's non-finite strings, without the strings (and no longer an
 * `anyOf` when one branch is left): `{ anyOf: [number, strings] }` is `{ type: "number" }`.
 */
const plainNumber = (schema: JsonSchema): JsonSchema | undefined => {
  const anyOf = schema["anyOf"]
  if (!Array.isArray(anyOf)) return undefined
  const kept = anyOf.filter((branch) => canonical(branch) !== nonFinite) as Array<JsonSchema>
  const numeric = kept.some((branch) => branch["type"] === "number" || branch["type"] === "integer")
  if (kept.length === anyOf.length || !numeric) return undefined
  const { anyOf: _, ...rest } = schema
  return kept.length === 1 ? { ...kept[0], ...rest } : { ...rest, anyOf: kept }
}

/**
 * Rewrites every schema below `value` (children first): plain numbers, and a `$ref` for a schema
 * equal to a component (`byShape`: canonical text → reference), except the component's own root.
 */
const rewrite = (value: Json, byShape: ReadonlyMap<string, string>, root: boolean): Json => {
  if (Array.isArray(value)) return value.map((item) => rewrite(item, byShape, false))
  if (value === null || typeof value !== "object") return value
  let schema: JsonSchema = Object.fromEntries(
    Object.entries(value as JsonSchema).map(([key, item]) => [key, rewrite(item, byShape, false)])
  )
  schema = plainNumber(schema) ?? schema
  // A free-form object (`customData`), said as Logto says it: generators read a bare `type: object`
  // as an object with no keys.
  if (schema["type"] === "object" && !("properties" in schema) && !("additionalProperties" in schema)) {
    schema = { ...schema, additionalProperties: true }
  }
  const ref = root ? undefined : byShape.get(canonical(schema))
  return ref === undefined ? schema : { $ref: ref }
}

/** `XEncoded` components renamed `X` (when `X` is free), with every reference to them. */
const renameEncoded = (document: Record<string, unknown>): Record<string, unknown> => {
  const schemas = (document["components"] as { schemas: Record<string, JsonSchema> }).schemas
  const renames = new Map<string, string>()
  for (const name of Object.keys(schemas)) {
    const plain = name.replace(/Encoded$/, "")
    if (plain !== name && !(plain in schemas)) renames.set(`#/components/schemas/${name}`, plain)
  }
  const text = JSON.stringify(document, (key, v: Json) =>
    key === "$ref" && typeof v === "string" && renames.has(v) ? `#/components/schemas/${renames.get(v)}` : v
  )
  const renamed = JSON.parse(text) as Record<string, unknown>
  const components = renamed["components"] as { schemas: Record<string, JsonSchema> }
  components.schemas = Object.fromEntries(
    Object.entries(components.schemas).map(([name, schema]) => [
      renames.get(`#/components/schemas/${name}`) ?? name,
      schema
    ])
  )
  return renamed
}

/** The generator-facing clean-up described in the module comment. */
const clean = (document: Record<string, unknown>): Record<string, unknown> => {
  const components = document["components"] as { schemas: Record<string, JsonSchema> }
  const numbersFixed = Object.fromEntries(
    Object.entries(components.schemas).map(([name, schema]) => [name, rewrite(schema, new Map(), true)])
  )
  const byShape = new Map<string, string>()
  for (const [name, schema] of Object.entries(numbersFixed)) {
    const key = canonical(schema)
    if (!byShape.has(key)) byShape.set(key, `#/components/schemas/${name}`)
  }
  const schemas = Object.fromEntries(
    Object.entries(numbersFixed).map(([name, schema]) => [name, rewrite(schema, byShape, true)])
  )
  const paths = rewrite(document["paths"], byShape, true)
  return renameEncoded({ ...document, paths, components: { ...components, schemas } })
}

/**
 * Builds the document. Pure: the same options give an equal document.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): OpenApi.OpenAPISpec => {
  const document = clean(
    structuredClone(OpenApi.fromApi(OrganizationsApi)) as unknown as Record<string, unknown>
  ) as unknown as OpenApi.OpenAPISpec & Record<string, unknown>
  for (const route of routes) {
    const operation = (document.paths[route.template] as Record<string, { parameters?: Array<Parameter> }>)[
      route.method.toLowerCase()
    ]!
    describeParameters(route, operation.parameters ?? [])
    if (options.bearer === true) (operation as Record<string, unknown>)["security"] = [{ bearer: [] }]
  }
  // The document is orgkit's (generated from its definitions), under orgkit's licence.
  document.info = { ...document.info, license: { name: "MIT", identifier: "MIT" } }
  if (options.servers !== undefined) (document as Record<string, unknown>)["servers"] = options.servers
  if (options.bearer === true) {
    const components = document.components as unknown as Record<string, unknown>
    components["securitySchemes"] = { bearer: { type: "http", scheme: "bearer" } }
  }
  return document
}
