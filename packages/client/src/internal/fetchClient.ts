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
 * the client builds: none, or text (JSON and form-encoded). Its responses are {@link lean}.
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
          (response) => lean(HttpClientResponse.fromWeb(request, response), response)
        )
      }),
    Effect.succeed
  )

/**
 * `HttpClientResponse.fromWeb`, with a cheaper memo of the body. `fromWeb` memoises the body on its
 * first read by running `Effect.cached` on a fiber of its own; here every read awaits the body's one
 * promise, so any number of reads (the pipeline's, the decoder's, an error's) see the same bytes, as
 * with `fromWeb`. The memo goes where `fromWeb`'s response keeps its own (`arrayBufferBody`, which its
 * `arrayBuffer` returns when set); were that field gone, its own memo would apply.
 */
export const lean = (
  response: HttpClientResponse.HttpClientResponse,
  source: Response
): HttpClientResponse.HttpClientResponse => {
  let body: Promise<ArrayBuffer> | undefined
  ;(response as { arrayBufferBody?: Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> }).arrayBufferBody =
    Effect.tryPromise({
      try: () => (body ??= source.arrayBuffer()),
      catch: (cause) =>
        new HttpClientError.HttpClientError({
          reason: new HttpClientError.DecodeError({ request: response.request, response, cause })
        })
    })
  return response
}
