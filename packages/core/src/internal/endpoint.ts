import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import * as LogtoError from "../LogtoError.ts"
import * as Pagination from "../Pagination.ts"

/** The path parameters, each a non-empty string (Logto checks nothing more). */
const param = (description: string) => Schema.String.check(Schema.isMinLength(1)).annotate({ description })
export const params = {
  id: param("The unique identifier of the organization."),
  userId: param("The unique identifier of the user."),
  applicationId: param("The unique identifier of the application."),
  organizationRoleId: param("The unique identifier of the organization role."),
  emailDomain: param("The email domain (percent-encoded in the path; matched exactly, case-sensitively)."),
  ssoConnectorId: param("The unique identifier of the SSO connector.")
}

/**
 * The six 201s that carry no JSON: Logto's HTTP/1.1 server answers them with the plain-text status
 * message `Created`, which no client may parse as JSON.
 */
export const CreatedText = Schema.String.pipe(
  HttpApiSchema.asText({ contentType: "text/plain; charset=utf-8" }),
  HttpApiSchema.status(201)
).annotate({ description: "Created: a plain-text status message, not JSON." })

/** A list answered with `Total-Number` (mandatory pagination). */
export const paginated = <S extends Schema.Top>(item: S) =>
  HttpApiSchema.WithHeaders(Schema.Array(item), { [Pagination.totalNumberHeader]: Schema.Int })

/** A list answered with `Total-Number` only when `page` or `page_size` was sent. */
export const optionallyPaginated = <S extends Schema.Top>(item: S) =>
  HttpApiSchema.WithHeaders(Schema.Array(item), {
    [Pagination.totalNumberHeader]: Schema.optionalKey(Schema.Int)
  })

/** The auth errors every operation can return. */
export const auth = [LogtoError.Unauthorized, LogtoError.Forbidden] as const

/** Logto's operationId, summary and description on an endpoint. */
export const operation = (operationId: string, summary: string, description?: string) =>
  OpenApi.annotations({ identifier: operationId, summary, ...(description === undefined ? {} : { description }) })

/**
 * Marks a POST as safe to repeat: Logto inserts relations with "on conflict do nothing" (spec §2.9),
 * so sending one twice changes nothing. GET, PUT and DELETE are idempotent by method.
 */
export class Idempotent extends Context.Service<Idempotent, boolean>()("@orgkit/core/Idempotent") {}

/**
 * How a PATCH body is stored, beyond its schema (spec §2.3, UpdateOrganization): `ignoredKeys` are
 * dropped before validation whatever their value; with `requireKeys`, a body left with no key is
 * 422 `entity.invalid_input`; `timestampKeys` must fit PostgreSQL's timestamp range, or Logto's
 * database fails with a 500.
 */
export class StoredPatch extends Context.Service<
  StoredPatch,
  {
    readonly ignoredKeys: ReadonlyArray<string>
    readonly requireKeys: boolean
    readonly timestampKeys: ReadonlyArray<string>
  }
>()("@orgkit/core/StoredPatch") {}
