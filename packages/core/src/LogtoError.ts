/**
 * Logto's error bodies as typed errors, one class per HTTP status.
 *
 * Logto answers every failure with `{ code, message, data?, details? }`; callers branch on `code`
 * (`entity.not_found`, `organization.require_membership`, …), so every class carries the whole body.
 * The fake encodes these and the client decodes them, so both sides always agree.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

const fields = {
  code: Schema.String,
  message: Schema.String,
  data: Schema.optionalKey(Schema.Unknown),
  details: Schema.optionalKey(Schema.String)
}

/**
 * The JSON body of every Logto error that has a `code`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const LogtoErrorBody = Schema.Struct(fields).annotate({ identifier: "LogtoErrorBody" })

/**
 * @category models
 * @since 0.1.0
 */
export type LogtoErrorBody = typeof LogtoErrorBody.Type

/**
 * 400: validation (`guard.invalid_input`, with `data` and `details`), pagination
 * (`guard.invalid_pagination`), or a malformed JSON body. The last has only `message`, so `code` is
 * optional here and nowhere else.
 *
 * @category errors
 * @since 0.1.0
 */
export class BadRequest extends Schema.Error<BadRequest>("BadRequest")(
  { ...fields, code: Schema.optionalKey(Schema.String) },
  { httpApiStatus: 400, identifier: "BadRequest", description: "Bad Request" }
) {
  readonly _tag = "BadRequest"
}

/**
 * 401: `auth.authorization_header_missing`, `auth.authorization_token_type_not_supported`,
 * `auth.unauthorized`, `auth.jwt_sub_missing`.
 *
 * @category errors
 * @since 0.1.0
 */
export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")(fields, {
  httpApiStatus: 401,
  identifier: "Unauthorized",
  description: "Unauthorized"
}) {
  readonly _tag = "Unauthorized"
}

/**
 * 403: `auth.forbidden` (token without scope `all`), or a Logto Cloud quota
 * (`subscription.limit_exceeded`, `system_limit.limit_exceeded`).
 *
 * @category errors
 * @since 0.1.0
 */
export class Forbidden extends Schema.Error<Forbidden>("Forbidden")(fields, {
  httpApiStatus: 403,
  identifier: "Forbidden",
  description: "Forbidden"
}) {
  readonly _tag = "Forbidden"
}

/**
 * 404: `entity.not_exists_with_id` (GET), `entity.not_exists` (PATCH), `entity.not_found` (DELETE and
 * missing relation rows).
 *
 * @category errors
 * @since 0.1.0
 */
export class NotFound extends Schema.Error<NotFound>("NotFound")(fields, {
  httpApiStatus: 404,
  identifier: "NotFound",
  description: "Not Found"
}) {
  readonly _tag = "NotFound"
}

/**
 * 422: what only Logto's database catches (missing references, duplicates, role and application
 * types, over-long values) and the explicit membership and role-name checks.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnprocessableEntity extends Schema.Error<UnprocessableEntity>("UnprocessableEntity")(fields, {
  httpApiStatus: 422,
  identifier: "UnprocessableEntity",
  description: "Unprocessable Content"
}) {
  readonly _tag = "UnprocessableEntity"
}

/**
 * Every Logto error class, by status.
 *
 * @category errors
 * @since 0.1.0
 */
export const byStatus = {
  400: BadRequest,
  401: Unauthorized,
  403: Forbidden,
  404: NotFound,
  422: UnprocessableEntity
} as const

/**
 * A Logto error of any declared status.
 *
 * @category errors
 * @since 0.1.0
 */
export type LogtoError = BadRequest | Unauthorized | Forbidden | NotFound | UnprocessableEntity

/**
 * The error codes these endpoints produce, with Logto's English messages, so that the fake, the
 * proxy and tests never spell them twice.
 *
 * @category constructors
 * @since 0.1.0
 */
export const codes = {
  invalidInput: "guard.invalid_input",
  invalidPagination: "guard.invalid_pagination",
  authorizationHeaderMissing: "auth.authorization_header_missing",
  tokenTypeNotSupported: "auth.authorization_token_type_not_supported",
  unauthorized: "auth.unauthorized",
  forbidden: "auth.forbidden",
  notExistsWithId: "entity.not_exists_with_id",
  notExists: "entity.not_exists",
  notFound: "entity.not_found",
  foreignKeyNotFound: "entity.relation_foreign_key_not_found",
  uniqueViolation: "entity.unique_integrity_violation",
  constraintViolated: "entity.db_constraint_violated",
  valueTooLong: "entity.value_too_long",
  entityInvalidInput: "entity.invalid_input",
  requireMembership: "organization.require_membership",
  roleNamesNotFound: "organization.role_names_not_found"
} as const

/**
 * Logto's English message for each fixed-text code.
 *
 * @category constructors
 * @since 0.1.0
 */
export const messages: Readonly<Record<string, string>> = {
  [codes.invalidPagination]: "The request pagination value is invalid.",
  [codes.authorizationHeaderMissing]: "Authorization header is missing.",
  [codes.tokenTypeNotSupported]: "Authorization type is not supported.",
  [codes.unauthorized]: "Unauthorized. Please check credentials and its scope.",
  [codes.forbidden]: "Forbidden. Please check your user roles and permissions.",
  [codes.notExists]: "The organization does not exist.",
  [codes.notFound]: "The resource does not exist.",
  [codes.foreignKeyNotFound]:
    "Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist.",
  [codes.uniqueViolation]: "The entity already exists. Please check the input and try again.",
  [codes.constraintViolated]: "Database constraint violated.",
  [codes.valueTooLong]: "The length of value is too long and exceeds the limit.",
  [codes.entityInvalidInput]: "Invalid input. Value list must not be empty.",
  [codes.requireMembership]: "The user must be a member of the organization to proceed."
}

/**
 * Builds a Logto error body for a code, with Logto's English message unless one is given.
 *
 * @category constructors
 * @since 0.1.0
 */
export const body = (code: string, message?: string, data?: unknown): LogtoErrorBody => ({
  code,
  message: message ?? messages[code] ?? code,
  ...(data === undefined ? {} : { data })
})

/**
 * "The organizations with ID `x` does not exist." (Logto uses the plural table name.)
 *
 * @category constructors
 * @since 0.1.0
 */
export const notExistsWithId = (id: string): LogtoErrorBody =>
  body(codes.notExistsWithId, `The organizations with ID \`${id}\` does not exist.`)

/**
 * "Invalid role names detected: a, b, and c. …" with Logto's English list join.
 *
 * @category constructors
 * @since 0.1.0
 */
export const roleNamesNotFound = (names: ReadonlyArray<string>): LogtoErrorBody => {
  const list =
    names.length <= 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")}, and ${names[names.length - 1]}`
  return body(
    codes.roleNamesNotFound,
    `Invalid role names detected: ${list}. Please create these roles first before proceeding.`
  )
}

const decoder = new TextDecoder()

/**
 * The `code` of an error answer (status 400 or more, a JSON body with a string `code`), as callers
 * branch on it; `undefined` for successes, bodies without one (Logto's 500 and body-parser 400s)
 * and anything that is not JSON.
 *
 * @category constructors
 * @since 0.1.0
 */
export const codeOf = (
  status: number,
  contentType: string | null | undefined,
  body: Uint8Array | string
): string | undefined => {
  if (status < 400 || contentType === null || contentType === undefined || !contentType.includes("json")) {
    return undefined
  }
  try {
    const parsed: unknown = JSON.parse(typeof body === "string" ? body : decoder.decode(body))
    const code = typeof parsed === "object" && parsed !== null ? (parsed as { code?: unknown }).code : undefined
    return typeof code === "string" ? code : undefined
  } catch {
    return undefined
  }
}
