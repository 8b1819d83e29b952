import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"

/** The `fetch` the transport calls (a URL string and an init, as `globalThis.fetch` takes them). */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>

/**
 * A lean `HttpClient` over a `fetch` function, for the Promise facade: one `fetch` per request,
 * aborted when the fiber is interrupted. Compared with `FetchHttpClient.layer` it skips what a
 * Promise caller cannot use (spans, a `URL` object per request that `fetch` parses again,
 * per-request `RequestInit` merging, response tracking for unread bodies). It sends the bodies
 * the client builds: none, or text (JSON and form-encoded).
 */
export const make = (fetchImpl: Fetch): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) =>
      Effect.flatMap(requestEffect, (request) => {
        const query = request.urlParams.params.length === 0 ? "" : UrlParams.toString(request.urlParams)
        const url = query === "" ? request.url : `${request.url}?${query}`
        const body = request.body
        const payload: BodyInit | undefined | null =
          body._tag === "Empty"
            ? undefined
            : body._tag === "Uint8Array"
              ? (body.text ?? (body.body as BodyInit))
              : body._tag === "Raw"
                ? (body.body as BodyInit)
                : null
        if (payload === null) {
          return Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.EncodeError({ request, description: `unsupported body: ${body._tag}` })
            })
          )
        }
        const headers: Record<string, string> = { ...request.headers }
        delete headers["content-length"]
        return Effect.map(
          Effect.tryPromise({
            try: (signal) =>
              fetchImpl(
                url,
                payload === undefined
                  ? { method: request.method, headers, signal }
                  : { method: request.method, headers, body: payload, signal }
              ),
            catch: (cause) =>
              new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
          }),
          (response) => HttpClientResponse.fromWeb(request, response)
        )
      }),
    Effect.succeed
  )
