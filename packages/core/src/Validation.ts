/**
 * Request validation exactly as Logto answers it, shared by the fake and the proxy: body parsing
 * (Logto's content-type and JSON quirks), pagination, then the query, the body and the path
 * parameters against core's schemas, each failure rendered as Logto's 400 with zod-style `data`
 * and `details` naming the field.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as LogtoError from "./LogtoError.ts"
import * as Pagination from "./Pagination.ts"
import type { Route } from "./RouteTable.ts"

/**
 * A failed request: the status and the exact body Logto would send.
 *
 * @category models
 * @since 0.1.0
 */
export interface Rejection {
  readonly status: 400 | 413 | 422 | 500
  readonly body: LogtoError.LogtoErrorBody | { readonly message: string }
}

/**
 * A request that passed: decoded path parameters, query (unknown keys dropped), pagination and
 * payload (unknown keys dropped; `undefined` for operations without a body).
 *
 * @category models
 * @since 0.1.0
 */
export interface Valid {
  readonly params: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, unknown>>
  readonly pagination: Pagination.Parsed & { readonly _tag: "Off" | "Page" }
  readonly payload: unknown
}

/**
 * A zod-style issue, as Logto sends them in `data.issues`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ZodIssue {
  readonly code: string
  readonly path: ReadonlyArray<string | number>
  readonly message: string
  readonly [key: string]: unknown
}

/**
 * The largest body Logto parses: 1 MiB.
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxBodyBytes = 1_048_576

const isJsonType = (type: string) =>
  type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"))

/**
 * Parses a raw body as Logto's body parser does: no `Content-Type` or an empty body is `{}`; JSON
 * types are parsed, and `null` or a scalar is a 400 with only `message`; `text/plain` is the
 * string itself; a form is an object (repeated keys become arrays); other types are ignored.
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseBody = (contentType: string | null | undefined, text: string): Result.Result<unknown, Rejection> => {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase()
  if (type === "" || text === "") return Result.succeed({})
  if (isJsonType(type)) {
    if (text.trim() === "")
      return Result.fail({ status: 400, body: { message: "invalid JSON, only supports object and array" } })
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (e) {
      return Result.fail({ status: 400, body: { message: (e as Error).message } })
    }
    return typeof value === "object" && value !== null
      ? Result.succeed(value)
      : Result.fail({ status: 400, body: { message: "invalid JSON, only supports object and array" } })
  }
  if (type === "text/plain") return Result.succeed(text)
  if (type === "application/x-www-form-urlencoded") return Result.succeed(queryRecord(new URLSearchParams(text)))
  return Result.succeed({})
}

/**
 * A query as Logto's router sees it: one string per key, an array for a repeated key.
 *
 * @category constructors
 * @since 0.1.0
 */
export const queryRecord = (search: URLSearchParams): Record<string, string | Array<string>> => {
  const record: Record<string, string | Array<string>> = {}
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key)
    record[key] = all.length === 1 ? all[0]! : all
  }
  return record
}

const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value

const typeNames: Readonly<Record<string, string>> = {
  String: "string",
  Number: "number",
  Boolean: "boolean",
  Objects: "object",
  Arrays: "array",
  Null: "null",
  Literal: "literal"
}

/** The zod-style type name a schema expects, looking through `NullOr` and filters. */
const expectedName = (ast: SchemaAST.AST | undefined): string => {
  if (ast === undefined) return "object"
  if (ast._tag === "Union") {
    const named = ast.types.map((t) => expectedName(t)).filter((n) => n !== "null")
    return named[0] ?? "null"
  }
  return typeNames[ast._tag] ?? "object"
}

/** The schema at a path of a struct/array schema, to name what a missing key should have been. */
const astAt = (ast: SchemaAST.AST | undefined, path: ReadonlyArray<PropertyKey>): SchemaAST.AST | undefined => {
  let current = ast
  for (const key of path) {
    if (current === undefined) return undefined
    if (current._tag === "Union") current = current.types.find((t) => t._tag === "Objects" || t._tag === "Arrays")
    if (current?._tag === "Objects") current = current.propertySignatures.find((p) => p.name === key)?.type
    else if (current?._tag === "Arrays") current = current.rest[0] ?? current.elements[Number(key)]
    else return undefined
  }
  return current
}

const leafIssue = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<string | number>,
  input: unknown,
  root: SchemaAST.AST | undefined
): ZodIssue => {
  switch (issue._tag) {
    case "MissingKey": {
      const expected = expectedName(astAt(root, path))
      return { code: "invalid_type", expected, received: "undefined", path, message: "Required" }
    }
    case "InvalidType": {
      const expected = expectedName(issue.ast)
      const received = typeName(input)
      return { code: "invalid_type", expected, received, path, message: `Expected ${expected}, received ${received}` }
    }
    case "Filter": {
      const representation = (
        issue.filter.annotations as { representation?: { id?: string; payload?: Record<string, number> } } | undefined
      )?.representation
      const meta = issue.filter.annotations?.meta as { orgkit?: string } | undefined
      const kind = typeof input === "string" ? "string" : Array.isArray(input) ? "array" : "number"
      const noun = kind === "string" ? "String" : "Array"
      const unit = kind === "string" ? "character(s)" : "element(s)"
      if (representation?.id === "effect/schema/isMinLength") {
        const minimum = representation.payload?.minLength ?? 1
        const message = `${noun} must contain at least ${minimum} ${unit}`
        return { code: "too_small", minimum, type: kind, inclusive: true, exact: false, message, path }
      }
      if (representation?.id === "effect/schema/isMaxLength") {
        const maximum = representation.payload?.maxLength ?? 0
        const message = `${noun} must contain at most ${maximum} ${unit}`
        return { code: "too_big", maximum, type: kind, inclusive: true, exact: false, message, path }
      }
      if (representation?.id === "effect/schema/isPattern") {
        return { validation: "regex", code: "invalid_string", message: "Invalid", path }
      }
      if (meta?.orgkit === "url") return { validation: "url", code: "invalid_string", message: "Invalid url", path }
      const expected = String(issue.filter.annotations?.expected ?? "a valid value")
      return { code: "custom", message: `Invalid input: expected ${expected}`, path }
    }
    case "InvalidValue":
      return { code: "invalid_literal", message: "Invalid literal value", path }
    default:
      return { code: "custom", message: "Invalid input", path }
  }
}

const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    root
  )

/**
 * Flattens an Effect schema issue into zod-style issues, one per failing field.
 *
 * @category constructors
 * @since 0.1.0
 */
export const toZodIssues = (issue: SchemaIssue.Issue, input: unknown, schema?: Schema.Top): Array<ZodIssue> => {
  const root = schema === undefined ? undefined : Schema.toType(schema).ast
  const out: Array<ZodIssue> = []
  const walk = (i: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    switch (i._tag) {
      case "Pointer":
        return walk(i.issue, [...path, ...i.path])
      case "Composite":
        for (const child of i.issues) walk(child, path)
        return
      case "AnyOf":
        if (i.issues.length > 0) return walk(i.issues[0]!, path)
        out.push({ code: "invalid_union", message: "Invalid input", path: path as Array<string | number> })
        return
      case "Encoding":
        return walk(i.issue, path)
      case "Filter":
        if (i.issue._tag !== "InvalidValue") return walk(i.issue, path)
        out.push(leafIssue(i, path as Array<string | number>, valueAt(input, path), root))
        return
      default:
        out.push(leafIssue(i, path as Array<string | number>, valueAt(input, path), root))
    }
  }
  walk(issue, [])
  return out
}

const detailLine = (issue: ZodIssue): string => {
  const text =
    issue.code === "invalid_type"
      ? `Expected ${String(issue["expected"])} but received ${String(issue["received"])}.`
      : issue.message
  return `Error in key path "${issue.path.join(".")}": (${issue.code}) ${text}`
}

/**
 * Logto's 400 `guard.invalid_input` for a slot (`query`, `body` or `params`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const invalidInput = (slot: "query" | "body" | "params", issues: ReadonlyArray<ZodIssue>): Rejection => ({
  status: 400,
  body: {
    code: LogtoError.codes.invalidInput,
    message: `The request ${slot} is invalid.`,
    data: { issues, name: "ZodError" },
    details: issues.map(detailLine).join("\n")
  }
})

const decodeSlot = (
  slot: "query" | "body" | "params",
  schema: Schema.Top | undefined,
  input: unknown
): Result.Result<unknown, Rejection> => {
  if (schema === undefined) return Result.succeed(input)
  const result = Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>)(input, {
    errors: "all",
    onExcessProperty: "ignore"
  })
  return Result.isSuccess(result)
    ? Result.succeed(result.success)
    : Result.fail(invalidInput(slot, toZodIssues(result.failure.issue, input, schema)))
}

const withoutPagination = (record: Record<string, string | Array<string>>) => {
  const { page: _page, page_size: _pageSize, ...rest } = record
  return rest
}

/**
 * Validates a request for a route in Logto's order: pagination, then the query, the body and the
 * path parameters; the first failure wins. `body` is the parsed body (see `parseBody`), or
 * `undefined` when there is none.
 *
 * @category constructors
 * @since 0.1.0
 */
export const validate = (
  route: Route,
  input: { readonly params: Readonly<Record<string, string>>; readonly search: URLSearchParams; readonly body: unknown }
): Result.Result<Valid, Rejection> => {
  const pagination = Pagination.parse(input.search, route.pagination)
  if (pagination._tag === "Invalid") return Result.fail({ status: pagination.status, body: pagination.body })
  return validateParsed(route, pagination, input)
}

/**
 * Validates a request from its raw body, in Logto's order: pagination, body parsing (`parseBody`),
 * then the query, the body and the path parameters. `text` is the body as received; it is not even
 * parsed for operations without a body (every paginated list), as Logto ignores it there.
 *
 * @category constructors
 * @since 0.1.0
 */
export const validateRequest = (
  route: Route,
  input: {
    readonly params: Readonly<Record<string, string>>
    readonly search: URLSearchParams
    readonly contentType: string | null | undefined
    readonly text: string
  }
): Result.Result<Valid, Rejection> => {
  const pagination = Pagination.parse(input.search, route.pagination)
  if (pagination._tag === "Invalid") return Result.fail({ status: pagination.status, body: pagination.body })
  let body: unknown
  if (route.endpoint.payload.size > 0) {
    const parsed = parseBody(input.contentType, input.text)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    body = parsed.success
  }
  return validateParsed(route, pagination, { params: input.params, search: input.search, body })
}

const validateParsed = (
  route: Route,
  pagination: Pagination.Parsed & { readonly _tag: "Off" | "Page" },
  input: { readonly params: Readonly<Record<string, string>>; readonly search: URLSearchParams; readonly body: unknown }
): Result.Result<Valid, Rejection> => {
  const rawQuery = withoutPagination(queryRecord(input.search))
  const query = decodeSlot("query", route.endpoint.query, rawQuery)
  if (Result.isFailure(query)) return Result.fail(query.failure)
  const entry = route.endpoint.payload.get("application/json")
  const body = entry === undefined ? Result.succeed(undefined) : decodeSlot("body", entry.schemas[0], input.body ?? {})
  if (Result.isFailure(body)) return Result.fail(body.failure)
  const params = decodeSlot("params", route.endpoint.params, input.params)
  if (Result.isFailure(params)) return Result.fail(params.failure)
  return Result.succeed({
    params: params.success as Record<string, string>,
    query: query.success as Record<string, unknown>,
    pagination,
    payload: body.success
  })
}
