/**
 * Logto's request body parsing (koa-body 6 with its defaults, over co-body), exactly as Logto reads
 * a body before validating it: which `Content-Type`s it parses and how, the size limits, and the
 * message-only 400 for JSON it refuses (spec §2.1 step 6). The fake and the proxy both parse with
 * it, so a body means the same thing to them as to Logto. `Validation` re-exports it under its
 * former names (`bodyKind`, `bodyLimit`, `parseBody`, `maxBodyBytes`, `maxFormBytes`).
 *
 * @since 0.1.0
 */
import * as Bourne from "@hapi/bourne"
import * as Result from "effect/Result"
import * as Qs from "qs"

/**
 * The largest JSON body Logto parses: 1 MiB (koa-body's `jsonLimit`); 1 048 576 bytes exactly is
 * still read.
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxJsonBytes = 1_048_576

/**
 * The largest form or text body Logto parses: 56 KiB (koa-body's `formLimit` and `textLimit`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxFormBytes = 57_344

/**
 * How Logto's body parser reads a body:
 * - `json`: the five JSON types koa-body lists (`application/json`, `application/json-patch+json`,
 *   `application/vnd.api+json`, `application/csp-report`, `application/reports+json`), well-formed
 *   parameters such as `charset` ignored; no other `+json` type;
 * - `form`: `application/x-www-form-urlencoded`, parsed by `qs` with dots as nesting;
 * - `text`: any `text/*` type, kept as a string;
 * - `ignored`: anything else, no `Content-Type`, or one that is not a valid media type or has a
 *   malformed parameter: the body is not read and validation sees `{}`.
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = "json" | "form" | "text" | "ignored"

/**
 * A body Logto's JSON parser refuses: 400 with only the parser's `message`, no `code`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Malformed {
  readonly status: 400
  readonly body: { readonly message: string }
}

const jsonTypes: ReadonlySet<string> = new Set([
  "application/json",
  "application/json-patch+json",
  "application/vnd.api+json",
  "application/csp-report",
  "application/reports+json"
])

// Koa 2's `ctx.is` (type-is 1.6 over media-typer 0.3): the type up to the first `;`, spaces (not
// tabs) around it, lower-cased, `type/subtype` in RFC 6838's restricted names; then parameters,
// each `; name=value` (a token, or a quoted string) with spaces around `;` and `=` only, and nothing
// else to the end. Anything malformed and Koa answers `false`: the body is not read.
const typePattern = /^ *([a-z0-9][a-z0-9!#$&^_-]{0,126})\/([a-z0-9][a-z0-9!#$&^_.+-]{0,126}) *$/
const restrictedName = /^[a-z0-9][a-z0-9!#$&^_-]{0,126}$/
const subtypeName = /^[a-z0-9][a-z0-9!#$&^_.-]{0,126}$/
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
const quoted = '"(?:[ !\\u0023-\\u005b\\u005d-\\u007e\\u0080-\\u00ff]|\\\\[\\u0020-\\u007e])*"'
const parameter = new RegExp(`; *${token} *= *(?:${quoted}|${token}) *`, "y")

/** The media type Koa compares (`type/subtype[+suffix]`, no parameters), or `undefined` if it has none. */
const mediaType = (contentType: string): string | undefined => {
  const semicolon = contentType.indexOf(";")
  const match = typePattern.exec((semicolon === -1 ? contentType : contentType.slice(0, semicolon)).toLowerCase())
  if (match === null) return undefined
  if (semicolon !== -1) {
    parameter.lastIndex = semicolon
    while (parameter.lastIndex < contentType.length && parameter.test(contentType)) continue
    if (parameter.lastIndex !== contentType.length) return undefined
  }
  // The suffix after the last `+` is its own restricted name; an empty one is dropped (`json+` is `json`).
  const [, type, full] = match as unknown as [string, string, string]
  const plus = full.lastIndexOf("+")
  const subtype = plus === -1 ? full : full.slice(0, plus)
  const suffix = plus === -1 ? "" : full.slice(plus + 1)
  if (!subtypeName.test(subtype) || (suffix !== "" && !restrictedName.test(suffix))) return undefined
  return `${type}/${subtype}${suffix === "" ? "" : `+${suffix}`}`
}

/**
 * Which parser Logto applies to a body with this `Content-Type` (see `Kind`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const kind = (contentType: string | null | undefined): Kind => {
  const type = contentType === null || contentType === undefined ? undefined : mediaType(contentType)
  if (type === undefined) return "ignored"
  if (jsonTypes.has(type)) return "json"
  if (type === "application/x-www-form-urlencoded") return "form"
  return type.startsWith("text/") ? "text" : "ignored"
}

/**
 * The largest body, in bytes, Logto reads for this `Content-Type`: 1 MiB of JSON, 56 KiB of a form
 * or text; a larger one is answered with Koa's plain-text 404 `Not Found`. `undefined` when Logto
 * does not read the body at all.
 *
 * @category constructors
 * @since 0.1.0
 */
export const limit = (contentType: string | null | undefined): number | undefined => {
  const k = kind(contentType)
  return k === "json" ? maxJsonBytes : k === "ignored" ? undefined : maxFormBytes
}

// co-body's strict mode: only an object or an array, after RFC 7159 whitespace.
const strictJson = /^[ \t\n\r]*(\[|\{)/
const notObjectOrArray = "invalid JSON, only supports object and array"

/**
 * Parses a raw body as Logto's body parser does (see `Kind`): JSON in co-body's strict mode (empty
 * is `{}`; anything but an object or an array, or a `__proto__` key anywhere, is `Malformed`, as is
 * malformed JSON with the parser's own message); a form through `qs` (dots and brackets nest,
 * repeated keys become arrays); text as the string itself; any other type as `{}`. The size limits
 * are the caller's (see `limit`).
 *
 * @category constructors
 * @since 0.1.0
 */
export const parse = (contentType: string | null | undefined, text: string): Result.Result<unknown, Malformed> => {
  switch (kind(contentType)) {
    case "ignored":
      return Result.succeed({})
    case "text":
      return Result.succeed(text)
    case "form":
      return Result.succeed(Qs.parse(text, { allowDots: true }))
    case "json": {
      if (text === "") return Result.succeed({})
      if (!strictJson.test(text)) return Result.fail({ status: 400, body: { message: notObjectOrArray } })
      try {
        // bourne's default `protoAction` (`error`): a `__proto__` key anywhere is refused, as by Logto's co-body.
        return Result.succeed(Bourne.parse(text))
      } catch (e) {
        return Result.fail({ status: 400, body: { message: (e as Error).message } })
      }
    }
  }
}
