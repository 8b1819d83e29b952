/**
 * The failures the client adds to those an operation declares: a call that ran out of time, and a
 * token that could not be obtained. Logto's own answers stay core's `LogtoError.*` classes, and
 * transport problems stay Effect's `HttpClientError`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The call did not finish within its timeout (30 s unless configured). The timeout covers the
 * whole call: obtaining a token, every attempt, the waits between retries and reading the body.
 *
 * @category errors
 * @since 0.1.0
 */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", {
  operationId: Schema.String,
  requestId: Schema.String,
  timeoutMillis: Schema.Number
}) {
  override get message(): string {
    return `${this.operationId} timed out after ${this.timeoutMillis} ms (request id ${this.requestId})`
  }
}

/**
 * The client-credentials token request failed: the token endpoint answered an error (`status`,
 * with its OAuth `error` code when it sent one) or could not be reached (`status` absent).
 *
 * @category errors
 * @since 0.1.0
 */
export class TokenError extends Schema.TaggedError<TokenError>()("TokenError", {
  tokenEndpoint: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  error: Schema.optionalKey(Schema.String),
  description: Schema.String,
  body: Schema.optionalKey(Schema.Unknown),
  cause: Schema.optionalKey(Schema.Defect())
}) {
  override get message(): string {
    const status =
      this.status === undefined ? "" : ` (${this.status}${this.error === undefined ? "" : ` ${this.error}`})`
    return `token request to ${this.tokenEndpoint} failed${status}: ${this.description}`
  }

  /** A 429, a 5xx or an unreachable endpoint: worth another try. */
  get transient(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500
  }
}
