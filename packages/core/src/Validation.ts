/**
 * Request validation exactly as Logto answers it, shared by the fake and the proxy: pagination,
 * body parsing (`Body`, re-exported here under its former names), then the query, the body and the
 * path parameters against core's schemas, each failure rendered as Logto's 400 with zod-style
 * `data` and `details` naming the field (`ZodIssues`).
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Body from "./Body.ts"
import * as LogtoError from "./LogtoError.ts"
import * as Pagination from "./Pagination.ts"
import type * as RouteTable from "./RouteTable.ts"
import type { Route } from "./RouteTable.ts"
import * as ZodIssues from "./ZodIssues.ts"

/**
 * A failed request: the status and the exact body Logto would send.
 *
 * @category models
 * @since 0.1.0
 */
export interface Rejection {
  readonly status: 400 | 413 | 422 | 500
  readonly body: LogtoError.LogtoErrorBody | { readonly message: string }
  /**
   * Set on Logto's 500s for a caller's mistake (a negative pagination offset, a timestamp out of
   * PostgreSQL's range): the 400 naming the mistake, which a proxy answers instead.
   */
  readonly callerError?: Rejection
}

/**
 * The answer for a caller: the rejection itself, or for one of Logto's 500s its `callerError`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const forCaller = (rejection: Rejection): Rejection => rejection.callerError ?? rejection

/**
 * PostgreSQL's `timestamptz` range in epoch milliseconds, as Logto's `to_timestamp` sees it: from
 * 4714-11-24 BC (`min`, inclusive) to 294277-01-01 AD (`end`, exclusive).
 *
 * @category constructors
 * @since 0.1.0
 */
export const timestampRange = { min: -210_866_803_200_000, end: 9_224_318_016_000_000 } as const

const internalError: Rejection["body"] = { message: "Internal server error." }

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
 * A zod-style issue, as Logto sends them in `data.issues` (see `ZodIssues`).
 *
 * @category models
 * @since 0.1.0
 */
export type ZodIssue = ZodIssues.ZodIssue

/**
 * The largest JSON body Logto parses: 1 MiB (see `Body.maxJsonBytes`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxBodyBytes = Body.maxJsonBytes

/**
 * The largest form or text body Logto parses: 56 KiB (see `Body.maxFormBytes`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxFormBytes = Body.maxFormBytes

/**
 * How Logto's body parser reads a body (see `Body.Kind`).
 *
 * @category models
 * @since 0.1.0
 */
export type BodyKind = Body.Kind

/**
 * Which parser Logto applies to a body with this `Content-Type` (see `Body.kind`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const bodyKind: (contentType: string | null | undefined) => BodyKind = Body.kind

/**
 * The largest body, in bytes, Logto reads for this `Content-Type` (see `Body.limit`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const bodyLimit: (contentType: string | null | undefined) => number | undefined = Body.limit

/**
 * Parses a raw body as Logto's body parser does (see `Body.parse`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseBody: (contentType: string | null | undefined, text: string) => Result.Result<unknown, Rejection> =
  Body.parse

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

/**
 * Flattens an Effect schema issue into zod-style issues, one per failing field (see `ZodIssues`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const toZodIssues = ZodIssues.fromSchemaIssue

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
    details: ZodIssues.details(issues)
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
  if (pagination._tag === "Invalid") return Result.fail(paginationRejection(pagination))
  return validateParsed(route, pagination, input)
}

const paginationRejection = (invalid: Pagination.Parsed & { readonly _tag: "Invalid" }): Rejection =>
  invalid.status === 500
    ? {
        status: 500,
        body: invalid.body,
        callerError: { status: 400, body: LogtoError.body(LogtoError.codes.invalidPagination) }
      }
    : { status: invalid.status, body: invalid.body }

/**
 * Validates a request from its raw body, in Logto's order: pagination, body parsing (`Body.parse`),
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
  if (pagination._tag === "Invalid") return Result.fail(paginationRejection(pagination))
  let body: unknown
  if (route.endpoint.payload.size > 0) {
    const parsed = Body.parse(input.contentType, input.text)
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
  const raw = route.patch === undefined ? (input.body ?? {}) : withoutKeys(input.body ?? {}, route.patch.ignoredKeys)
  // The body is parsed JSON: decoded against its type, as zod's `z.number()` reads it, not through
  // the JSON codec HttpApi gives a payload (which would take "NaN" or "Infinity" for a number).
  const body =
    entry === undefined ? Result.succeed(undefined) : decodeSlot("body", Schema.toType(entry.schemas[0]), raw)
  if (Result.isFailure(body)) return Result.fail(body.failure)
  const deep = tooDeep(body.success)
  if (deep !== undefined) return Result.fail(deep)
  const params = decodeSlot("params", route.endpoint.params, input.params)
  if (Result.isFailure(params)) return Result.fail(params.failure)
  if (route.patch !== undefined) {
    const stored = storedPatch(route.patch, body.success as Record<string, unknown>)
    if (stored !== undefined) return Result.fail(stored)
  }
  return Result.succeed({
    params: params.success as Record<string, string>,
    query: query.success as Record<string, unknown>,
    pagination,
    payload: body.success
  })
}

/**
 * How deep a valid body's values may nest: Logto checks a free-form JSON field (`customData`) with a
 * recursive zod schema, which runs out of stack somewhere past 1,100 levels of arrays or 1,900 of
 * objects (zod 3.24 on Node 22, measured), a `RangeError` Logto answers with its 500. Up to this
 * depth a body is taken; deeper, it is Logto's 500 and the proxy's 400 at that key. Keys Logto
 * drops unread are decoded away first, so their depth does not count.
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxBodyDepth = 1_000

/** Whether `value` nests more than `limit` levels of objects and arrays (iterative: it may). */
const deeperThan = (value: unknown, limit: number): boolean => {
  const pending: Array<readonly [unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!
    if (typeof next !== "object" || next === null) continue
    if (depth >= limit) return true
    for (const child of Object.values(next)) pending.push([child, depth + 1])
  }
  return false
}

const tooDeep = (payload: unknown): Rejection | undefined => {
  if (typeof payload !== "object" || payload === null) return undefined
  for (const [key, value] of Object.entries(payload)) {
    if (!deeperThan(value, maxBodyDepth)) continue
    const issue: ZodIssue = { code: "custom", message: `Nested more than ${maxBodyDepth} levels deep`, path: [key] }
    return { status: 500, body: internalError, callerError: invalidInput("body", [issue]) }
  }
  return undefined
}

const withoutKeys = (body: unknown, keys: ReadonlyArray<string>): unknown => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) if (!keys.includes(key)) kept[key] = value
  return kept
}

/**
 * What Logto's database makes of a valid PATCH body (spec §2.3): nothing left to update is 422
 * `entity.invalid_input`; a timestamp outside PostgreSQL's range is a 500, whose `callerError` is a
 * 400 at that key.
 */
const storedPatch = (patch: RouteTable.Patch, payload: Record<string, unknown>): Rejection | undefined => {
  if (patch.requireKeys && Object.keys(payload).length === 0) {
    return { status: 422, body: LogtoError.body(LogtoError.codes.entityInvalidInput) }
  }
  for (const key of patch.timestampKeys) {
    const value = payload[key]
    if (typeof value !== "number") continue
    const { min, end } = timestampRange
    if (value >= min && value < end) continue
    const issue: ZodIssue =
      value >= end
        ? {
            code: "too_big",
            maximum: end,
            type: "number",
            inclusive: false,
            exact: false,
            path: [key],
            message: `Number must be less than ${end}`
          }
        : {
            code: "too_small",
            minimum: min,
            type: "number",
            inclusive: true,
            exact: false,
            path: [key],
            message: `Number must be greater than or equal to ${min}`
          }
    return { status: 500, body: internalError, callerError: invalidInput("body", [issue]) }
  }
  return undefined
}
