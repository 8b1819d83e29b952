import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Body } from "../src/index.ts"

// Sources of the expected answers: the spec's §2.1 step 6 ([observed]) and, for what it does not
// list, koa-body 6's type lists (`utils/body-type-util.ts`), type-is/media-typer's media-type grammar
// (what Koa's `ctx.is` accepts) and co-body's strict JSON check.
const malformed = (message: string) => Result.fail({ status: 400, body: { message } })
const notObjectOrArray = malformed("invalid JSON, only supports object and array")

describe("Body.kind", () => {
  it("reads no body without a Content-Type (null, absent or empty) [observed]", () => {
    expect(Body.kind(null)).toBe("ignored")
    expect(Body.kind(undefined)).toBe("ignored")
    expect(Body.kind("")).toBe("ignored")
  })

  it("ignores spaces around the type before its parameters, and its case", () => {
    for (const type of ["  application/json  ", "application/json  ; charset=utf-8", "APPLICATION/Json"])
      expect(Body.kind(type), type).toBe("json")
    expect(Body.kind("  Application/X-WWW-Form-Urlencoded  ")).toBe("form")
    expect(Body.kind("  TEXT/Plain  ; charset=utf-8")).toBe("text")
  })

  it("refuses a media type with a space inside it, or anything before or after it", () => {
    for (const type of [
      "application/ json",
      "application /json",
      "text/ plain",
      "my text/plain",
      "text/plain extra",
      "x text/csv",
      "text/csv,text/plain"
    ])
      expect(Body.kind(type), type).toBe("ignored")
  })

  it("reads the body only when every parameter is well formed, as Koa 2's type-is does (malformed: its false, the body unread)", () => {
    for (const type of [
      "application/json;charset=utf-8",
      "application/json ; charset = utf-8 ",
      'application/json; charset="utf-8"; q="a \\" b"',
      "application/json; a=1; b=2",
      "application/json; CHARSET=UTF-8"
    ])
      expect(Body.kind(type), type).toBe("json")
    for (const type of [
      "application/json;",
      "application/json;;",
      "application/json; charset",
      "application/json; charset=",
      "application/json; charset=utf-8;",
      "application/json; charset=utf 8",
      'application/json; charset="utf-8',
      "application/json;\tcharset=utf-8",
      "application/json\t; charset=utf-8",
      "application/json, text/plain"
    ])
      expect(Body.kind(type), type).toBe("ignored")
    expect(Body.kind("text/plain; format")).toBe("ignored")
    expect(Body.kind("application/x-www-form-urlencoded;")).toBe("ignored")
  })

  it("compares the type without an empty +suffix, and needs a suffix to be a restricted name (media-typer 0.3)", () => {
    expect(Body.kind("application/json+")).toBe("json")
    expect(Body.kind("application/vnd.api+json")).toBe("json")
    for (const type of ["application/x+y+json", "application/vnd+api.json", "text/a+b.c", "text/a+b+c"])
      expect(Body.kind(type), type).toBe("ignored")
    expect(Body.kind("text/a.b+c")).toBe("text")
  })

  it("reads any text/* subtype media-typer accepts: one character, up to 127, its punctuation", () => {
    for (const subtype of ["x", "a".repeat(127), "x.y+z-w!#$&^_", "0"])
      expect(Body.kind(`text/${subtype}`)).toBe("text")
    for (const subtype of ["a".repeat(128), "", ".x", "+x", "x@y", "x/y", "x?"])
      expect(Body.kind(`text/${subtype}`), subtype).toBe("ignored")
  })

  it("needs the top-level type to be text itself for text", () => {
    for (const type of ["texts/plain", "tex/plain", "application/text", "multipart/form-data", "image/png"])
      expect(Body.kind(type), type).toBe("ignored")
  })
})

describe("Body.limit", () => {
  it("is 1 MiB for JSON (1 048 576 bytes exactly is still read) [observed], 56 KiB for forms and text", () => {
    expect(Body.limit("application/json")).toBe(1_048_576)
    expect(Body.limit("application/json")).toBe(Body.maxJsonBytes)
    expect(Body.limit("application/x-www-form-urlencoded")).toBe(Body.maxFormBytes)
    expect(Body.limit("text/csv")).toBe(57_344)
  })

  it("is undefined where Logto reads no body", () => {
    for (const type of [undefined, null, "", "application/octet-stream", "application/merge-patch+json"])
      expect(Body.limit(type), String(type)).toBeUndefined()
  })
})

describe("Body.parse", () => {
  it("parses a JSON object or array, after RFC 7159 whitespace (co-body's strict mode)", () => {
    expect(Body.parse("application/json", " [1,2]")).toEqual(Result.succeed([1, 2]))
    expect(Body.parse("application/json", '\n\r\t {"a":[{}]}')).toEqual(Result.succeed({ a: [{}] }))
  })

  it("lets the last of duplicate keys win [observed]", () => {
    expect(Body.parse("application/json", '{"name":"a","name":"b"}')).toEqual(Result.succeed({ name: "b" }))
  })

  it("refuses anything that does not start with an object or an array, whatever follows", () => {
    for (const text of ['x{"a":1}', '1{"a":1}', 'null{"a":1}', '"{}"', "true"])
      expect(Body.parse("application/json", text), text).toEqual(notObjectOrArray)
  })

  it("answers JSON the parser refuses with its own message, in Logto's message-only 400", () => {
    const result = Body.parse("application/json", '{"name": "x",}')
    expect(result).toEqual(malformed(Result.isFailure(result) ? result.failure.body.message : ""))
    expect(Result.isFailure(result) && result.failure.body.message).toContain("JSON at position 13")
  })

  it("is {} for an empty JSON body [observed], and for any body Logto does not read", () => {
    expect(Body.parse("application/json", "")).toEqual(Result.succeed({}))
    expect(Body.parse("application/octet-stream", '{"name":"x"}')).toEqual(Result.succeed({}))
    expect(Body.parse(null, "name=x")).toEqual(Result.succeed({}))
  })

  it("keeps an empty text body as the empty string, and reads an empty form as {}", () => {
    expect(Body.parse("text/plain", "")).toEqual(Result.succeed(""))
    expect(Body.parse("application/x-www-form-urlencoded", "")).toEqual(Result.succeed({}))
  })
})
