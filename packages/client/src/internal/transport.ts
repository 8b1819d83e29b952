import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Auth } from "../Auth.ts"
import type { TokenError } from "../ClientError.ts"
import * as Retry from "../Retry.ts"
import { newRequestId, requestIdHeader } from "./requestId.ts"

/** What the transport needs to know about the call it is sending (set by the LogtoClient wrapper). */
export interface Call {
  readonly operationId: string | undefined
  readonly requestId: string
  readonly headers: Readonly<Record<string, string>> | undefined
  readonly onResponse: ((response: HttpClientResponse.HttpClientResponse) => void) | undefined
}

/** The call being sent, if the request comes through a LogtoClient method. */
export const CurrentCall = Context.Reference<Call | undefined>("@orgkit/client/internal/CurrentCall", {
  defaultValue: () => undefined
})

type Failure = HttpClientError.HttpClientError | TokenError

const isTransportError = (e: Failure): boolean =>
  HttpClientError.isHttpClientError(e) && e.reason._tag === "TransportError"

// A response we will not hand back is drained, so that its connection can be reused at once.
const drain = (response: HttpClientResponse.HttpClientResponse) => Effect.ignore(response.arrayBuffer)

/**
 * The headers a call adds to its request, lower-cased (as `HttpClientRequest` keeps them): the
 * caller's, then the request id.
 */
const callHeaders = (
  headers: Readonly<Record<string, string>> | undefined,
  requestId: string
): Record<string, string> => {
  const out: Record<string, string> = {}
  if (headers !== undefined) for (const key in headers) out[key.toLowerCase()] = headers[key]!
  out[requestIdHeader] = requestId
  return out
}

/**
 * The orgkit proxy's consistency token (`ORGKIT_CACHE_MODE=near`): returned on a write, sent back on
 * every later request so that this client reads its own writes. Logto sends none, so a client talking
 * to Logto never sends one either.
 */
export const consistencyHeader = "orgkit-consistency"

/**
 * One response header. A response over `fetch` is asked directly: its `headers` would build the
 * record of every header on each read.
 */
const headerOf = (response: HttpClientResponse.HttpClientResponse, name: string): string | undefined => {
  const web = HttpClientResponse.toWeb(response)
  return Option.isSome(web) ? (web.value.headers.get(name) ?? undefined) : response.headers[name]
}

/** The later of two tokens (they are times in ms; anything else is never sent back). */
const later = (current: string | undefined, received: string | undefined): string | undefined =>
  received === undefined || !/^\d{1,15}$/.test(received)
    ? current
    : current === undefined || Number(received) > Number(current)
      ? received
      : current

/** A 401 to a request that carried a token: the token source may refresh it and send once more. */
const mayRefresh = (status: number, token: string | undefined): token is string => status === 401 && token !== undefined

/**
 * The Logto pipeline on top of a transport `HttpClient`: base URL, per-call headers, `x-request-id`,
 * bearer token (one refresh on 401 when the token source can refresh), and retries under the policy.
 */
export const make = (options: {
  readonly http: HttpClient.HttpClient
  readonly auth: Auth["Service"]
  readonly policy: Retry.Policy
  readonly baseUrl: string
}): HttpClient.HttpClient.With<Failure> => {
  const { auth, baseUrl, http, policy } = options
  // The latest consistency token this client received (see `consistencyHeader`).
  let consistency: string | undefined

  const observe = (response: HttpClientResponse.HttpClientResponse, call: Call | undefined) => {
    consistency = later(consistency, headerOf(response, consistencyHeader))
    call?.onResponse?.(response)
  }

  /** Sends `request` with the current token; `then` receives the response and the token it carried. */
  const withToken = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call | undefined,
    then: (
      response: HttpClientResponse.HttpClientResponse,
      token: string | undefined
    ) => Effect.Effect<HttpClientResponse.HttpClientResponse, Failure>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> =>
    Effect.flatMap(auth.token, (token) =>
      Effect.flatMap(
        http.execute(token === undefined ? request : HttpClientRequest.bearerToken(request, token)),
        (response) => {
          observe(response, call)
          return then(response, token)
        }
      )
    )

  const send = (request: HttpClientRequest.HttpClientRequest, call: Call | undefined) =>
    withToken(request, call, (response, token) =>
      !mayRefresh(response.status, token)
        ? Effect.succeed(response)
        : Effect.flatMap(auth.invalidate(token), (refresh) =>
            refresh
              ? Effect.andThen(
                  drain(response),
                  withToken(request, call, (again) => Effect.succeed(again))
                )
              : Effect.succeed(response)
          )
    )

  // A retryable status or failure becomes a `Retryable` (the schedule's input), carrying the outcome
  // to hand back if no retry follows.
  const retryableStatus = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Retry.Retryable> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.as(
        Effect.ignore(response.arrayBuffer),
        new Retry.Retryable({
          reason: "status",
          status: response.status,
          retryAfterMillis: Retry.retryAfterMillis(response.headers["retry-after"], now),
          outcome: Result.succeed(response)
        })
      )
    )

  const retryableFailure = (error: Failure): Retry.Retryable | undefined => {
    if (policy.networkErrors && isTransportError(error)) {
      return new Retry.Retryable({ reason: "network", outcome: Result.fail(error) })
    }
    if (error._tag === "TokenError" && error.transient) {
      return new Retry.Retryable({ reason: "token", status: error.status, outcome: Result.fail(error) })
    }
    return undefined
  }

  /** One attempt: its response or failure, or, when that is retryable, what `onRetryable` makes of it. */
  const attempt = <E>(
    request: HttpClientRequest.HttpClientRequest,
    call: Call | undefined,
    onRetryable: (retryable: Retry.Retryable) => Effect.Effect<HttpClientResponse.HttpClientResponse, E>
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure | E> =>
    Effect.matchEffect(send(request, call), {
      onFailure: (error): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure | E> => {
        const retryable = retryableFailure(error)
        return retryable === undefined ? Effect.fail(error) : onRetryable(retryable)
      },
      onSuccess: (response) =>
        policy.statuses.has(response.status)
          ? Effect.flatMap(retryableStatus(response), onRetryable)
          : Effect.succeed(response)
    })

  type Outcome = Result.Result<HttpClientResponse.HttpClientResponse, Failure>

  // Only a first retryable outcome starts the schedule, so the common case (one attempt) pays
  // nothing for it. The schedule sees that first outcome, then every further attempt's.
  const retryAfter = (
    first: Retry.Retryable,
    request: HttpClientRequest.HttpClientRequest,
    call: Call | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    let pending: Retry.Retryable | undefined = first
    const next: Effect.Effect<Outcome, Retry.Retryable> = Effect.suspend(() => {
      if (pending !== undefined) {
        const failure = pending
        pending = undefined
        return Effect.fail(failure)
      }
      return attempt(request, call, Effect.fail).pipe(
        Effect.map((response): Outcome => Result.succeed(response)),
        Effect.catch((error) =>
          error._tag === "Retryable" ? Effect.fail(error) : Effect.succeed<Outcome>(Result.fail(error))
        )
      )
    })
    return next.pipe(
      Effect.retry({ schedule: policy.schedule }),
      Effect.catchTag("Retryable", (last) => Effect.succeed(last.outcome as Outcome)),
      Effect.flatMap((outcome) =>
        Result.isSuccess(outcome) ? Effect.succeed(outcome.success) : Effect.fail(outcome.failure)
      )
    )
  }

  const execute = (
    request: HttpClientRequest.HttpClientRequest,
    call: Call | undefined
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, Failure> => {
    const requestId = call?.requestId ?? request.headers[requestIdHeader] ?? newRequestId()
    const headers = callHeaders(call?.headers, requestId)
    if (consistency !== undefined && headers[consistencyHeader] === undefined) headers[consistencyHeader] = consistency
    const prepared = HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, baseUrl), headers)
    if (!Retry.appliesTo(policy, prepared.method, call?.operationId)) return send(prepared, call)
    return attempt(prepared, call, (first) => retryAfter(first, prepared, call))
  }

  return HttpClient.makeWith<never, never, Failure, never>(
    (requestEffect) =>
      Effect.flatMap(requestEffect, (request) =>
        Effect.withFiber<HttpClientResponse.HttpClientResponse, Failure>((fiber) =>
          execute(request, fiber.getRef(CurrentCall))
        )
      ),
    Effect.succeed
  )
}
