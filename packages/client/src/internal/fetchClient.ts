import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"

/** The `fetch` the transport calls (a URL string and an init, as `globalThis.fetch` takes them). */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>

/** Bodies read with their response (see `make`), by web `Response`. */
const texts = new WeakMap<Response, string>()

/**
 * The body `make` read with the response, if this response came from it. The response's own body
 * stream is then used up, so read it here.
 */
export const textOf = (response: HttpClientResponse.HttpClientResponse): string | undefined => {
  const web = HttpClientResponse.toWeb(response)
  return Option.isSome(web) ? texts.get(web.value) : undefined
}

/** A response whose body was already read as `text` (by the Promise API's direct path). */
export const fromWeb = (
  request: HttpClientRequest.HttpClientRequest,
  response: Response,
  text: string
): HttpClientResponse.HttpClientResponse => {
  texts.set(response, text)
  return HttpClientResponse.fromWeb(request, response)
}

/** A failed `fetch` (or body read), as the transport reports it. */
export const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

/**
 * A lean `HttpClient` over a `fetch` function, for the Promise facade: one `fetch` call per
 * request, aborted when the fiber is interrupted. Compared with `FetchHttpClient.layer` it skips
 * what a Promise caller cannot use (spans, per-request context merging, URL objects, response
 * tracking for unread bodies), which measured ~25 µs per call. With `readBody` (the facade reads
 * every body) the body is read here, in the same promise as the response: one suspension of the
 * fiber instead of two (`textOf` hands it over; the response's own body is then used up). Only the
 * bodies the facade sends are supported: none, or text (JSON).
 */
export const make = (fetchImpl: Fetch, options: { readonly readBody: boolean }): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) =>
      Effect.flatMap(
        requestEffect,
        (request): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
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
          if (payload === null) return Effect.fail(unsupported(request))
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
                ).then((response) =>
                  options.readBody
                    ? response.text().then((text) => {
                        texts.set(response, text)
                        return response
                      })
                    : response
                ),
              catch: (cause) => transportError(request, cause)
            }),
            (response) => HttpClientResponse.fromWeb(request, response)
          )
        }
      ),
    Effect.succeed
  )

const unsupported = (request: HttpClientRequest.HttpClientRequest) =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.EncodeError({ request, description: `unsupported body: ${request.body._tag}` })
  })
