/**
 * The Promise API's errors (every one a `LogtoCallError`, with the operation and the request id),
 * exported by `PromiseClient` and the package root, and the one mapping from the Effect API's
 * failures to them (`fromCause`).
 */
import { LogtoError } from "@orgkit/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import { RequestTimeout, TokenError } from "../ClientError.ts"

/**
 * What every error of a call carries: the operation and the call's request id. The errors below
 * extend it (`error instanceof LogtoCallError` catches them all); it is thrown as itself when the
 * client was closed before or during the call.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoCallError extends Error {
  override readonly name: string = "LogtoCallError"
  /** The operation called, e.g. `AddOrganizationUsers`. */
  readonly operationId: string
  /** The `x-request-id` sent with the call. */
  readonly requestId: string
  constructor(
    message: string,
    call: { readonly operationId: string; readonly requestId: string },
    options?: ErrorOptions
  ) {
    super(message, options)
    this.operationId = call.operationId
    this.requestId = call.requestId
  }
}

/**
 * Logto (or a gateway in front of it) answered with an error status: 400, 401, 403, 404, 422,
 * 405, 429/5xx once retries are exhausted, or the token endpoint refused the client credentials
 * (then `code` is the OAuth error, e.g. `invalid_client`).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoApiError extends LogtoCallError {
  override readonly name = "LogtoApiError"
  /** The HTTP status. */
  readonly status: number
  /** Logto's error code (`entity.not_found`, `guard.invalid_input`, …); absent for bodies without one. */
  readonly code: string | undefined
  /** Logto's `data` (for validation errors: `{ issues, name: "ZodError" }`). */
  readonly data: unknown
  /** Logto's `details` (validation errors: one line per issue). */
  readonly details: string | undefined
  constructor(fields: {
    readonly status: number
    readonly code: string | undefined
    readonly message: string
    readonly data: unknown
    readonly details: string | undefined
    readonly operationId: string
    readonly requestId: string
  }) {
    super(fields.message, fields)
    this.status = fields.status
    this.code = fields.code
    this.data = fields.data
    this.details = fields.details
  }
}

/**
 * No usable answer: the connection failed (DNS, refused, reset, TLS) after the retries the policy
 * allows, the body could not be read, or the token endpoint could not be reached. `cause` holds the
 * underlying error.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoNetworkError extends LogtoCallError {
  override readonly name = "LogtoNetworkError"
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: network error (request id ${fields.requestId})`, fields, { cause: fields.cause })
  }
}

/**
 * The call did not finish within `timeoutMs` (token, attempts, backoff and body included); the
 * request in flight was aborted.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoTimeoutError extends LogtoCallError {
  override readonly name = "LogtoTimeoutError"
  readonly timeoutMs: number
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly timeoutMs: number }) {
    super(`${fields.operationId} timed out after ${fields.timeoutMs} ms (request id ${fields.requestId})`, fields)
    this.timeoutMs = fields.timeoutMs
  }
}

/**
 * The arguments do not satisfy core's schemas (e.g. an empty `userIds`, a `pageSize` over 100), so
 * nothing was sent. `cause` is the Effect `SchemaError` naming the offending value.
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoRequestError extends LogtoCallError {
  override readonly name = "LogtoRequestError"
  constructor(fields: { readonly operationId: string; readonly requestId: string; readonly cause: unknown }) {
    super(`${fields.operationId}: invalid request, nothing was sent: ${messageOf(fields.cause)}`, fields, {
      cause: fields.cause
    })
  }
}

/**
 * A success status whose body does not match core's schema for the operation (a server that is
 * not Logto, or a Logto version with a different shape).
 *
 * @category errors
 * @since 0.1.0
 */
export class LogtoDecodeError extends LogtoCallError {
  override readonly name = "LogtoDecodeError"
  readonly status: number | undefined
  constructor(fields: {
    readonly status: number | undefined
    readonly operationId: string
    readonly requestId: string
    readonly cause: unknown
  }) {
    super(`${fields.operationId}: unexpected response (${fields.status ?? "?"}): ${messageOf(fields.cause)}`, fields, {
      cause: fields.cause
    })
    this.status = fields.status
  }
}

const messageOf = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/**
 * The call as the errors report it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Call {
  readonly operationId: string
  readonly requestId: string
}

const isSuccessStatus = (status: number) => status >= 200 && status < 300

const str = (u: unknown): string | undefined => (typeof u === "string" ? u : undefined)

/** An error answer, read from its body: Logto's `{ code, message, data?, details? }` when it has one. */
const apiError = (response: HttpClientResponse.HttpClientResponse, call: Call) =>
  Effect.map(
    Effect.orElseSucceed(response.text, () => ""),
    (text) => {
      let json: Record<string, unknown> | undefined
      try {
        const parsed: unknown = text === "" ? undefined : JSON.parse(text)
        if (typeof parsed === "object" && parsed !== null) json = parsed as Record<string, unknown>
      } catch {
        json = undefined
      }
      return new LogtoApiError({
        status: response.status,
        code: str(json?.code),
        message: str(json?.message) ?? ((json === undefined ? text.slice(0, 200) : "") || `HTTP ${response.status}`),
        data: json?.data,
        details: str(json?.details),
        ...call
      })
    }
  )

/** core's error classes by status. */
const statusOf = Object.entries(LogtoError.byStatus)

/**
 * The one mapping from the Effect API's failures to the documented errors: core's `LogtoError.*`
 * and undeclared error statuses become `LogtoApiError`, `RequestTimeout` `LogtoTimeoutError`,
 * transport failures `LogtoNetworkError`, a request that fails core's schemas `LogtoRequestError`,
 * a 2xx that does not `LogtoDecodeError`; `TokenError` is an API error when the token endpoint
 * answered and a network error when it did not. A defect (a token function's own error) is
 * rethrown as it is. `last` is the last response the call received, if any.
 */
export const fromCause = (
  cause: Cause.Cause<unknown>,
  call: Call,
  last: HttpClientResponse.HttpClientResponse | undefined
): Effect.Effect<unknown> => {
  const found = Cause.findError(cause)
  if (found._tag === "Failure") {
    const defect = Cause.findDefect(cause)
    return Effect.succeed(defect._tag === "Success" ? defect.success : Cause.squash(cause))
  }
  const error = found.success
  if (error instanceof RequestTimeout) {
    return Effect.succeed(new LogtoTimeoutError({ ...call, timeoutMs: error.timeoutMillis }))
  }
  if (error instanceof TokenError) {
    return Effect.succeed(
      error.status === undefined
        ? new LogtoNetworkError({ ...call, cause: error })
        : new LogtoApiError({
            status: error.status,
            code: error.error,
            message: error.message,
            data: error.body,
            details: undefined,
            ...call
          })
    )
  }
  if (HttpClientError.isHttpClientError(error)) {
    const reason = error.reason
    if (reason._tag === "EncodeError" || reason._tag === "InvalidUrlError") {
      return Effect.succeed(new LogtoRequestError({ ...call, cause: error }))
    }
    const response = error.response
    if (response === undefined) return Effect.succeed(new LogtoNetworkError({ ...call, cause: error }))
    return isSuccessStatus(response.status)
      ? Effect.succeed(new LogtoDecodeError({ status: response.status, ...call, cause: error }))
      : apiError(response, call)
  }
  if (Schema.isSchemaError(error)) {
    // Before any answer, it was the request; after one, the answer's body.
    if (last === undefined) return Effect.succeed(new LogtoRequestError({ ...call, cause: error }))
    return isSuccessStatus(last.status)
      ? Effect.succeed(new LogtoDecodeError({ status: last.status, ...call, cause: error }))
      : apiError(last, call)
  }
  // core's `LogtoError.*`: Logto's own answer, decoded (its status is the answer's, or its class's).
  const logto = error as LogtoError.LogtoError
  const status = last?.status ?? Number(statusOf.find(([, type]) => logto instanceof type)?.[0])
  return Effect.succeed(
    new LogtoApiError({
      status,
      code: logto.code,
      message: logto.message,
      data: logto.data,
      details: logto.details,
      ...call
    })
  )
}
