/**
 * `Validation.toZodIssues` for shapes Logto's organization schemas do not have but its callers do:
 * nested and nullable structs, arrays of structs, unions, custom refinements and transformations
 * (the proxy's settings are decoded with it, and their messages are built from these issues). The
 * expected issues are zod 3's for the same shapes, written out here; where zod has no equivalent
 * (a refinement naming what it expected), the wording the callers rely on.
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { describe, expect, it } from "vitest"
import { Validation } from "../src/index.ts"

const issuesOf = (schema: Schema.Top, input: unknown, withSchema = true) => {
  const result = Schema.decodeUnknownResult(schema as Schema.Decoder<unknown>)(input, {
    errors: "all",
    onExcessProperty: "ignore"
  })
  if (result._tag === "Success") throw new Error(`expected a failure, got ${JSON.stringify(result.success)}`)
  return Validation.toZodIssues(result.failure.issue, input, withSchema ? schema : undefined)
}

const required = (path: Array<string | number>, expected: string) => ({
  code: "invalid_type",
  expected,
  received: "undefined",
  path,
  message: "Required"
})

describe("a missing key, named with the type it should have had", () => {
  it("names numbers, booleans, objects and strings", () => {
    const schema = Schema.Struct({
      n: Schema.Number,
      b: Schema.Boolean,
      o: Schema.Struct({}),
      s: Schema.String.check(Schema.isMinLength(1))
    })
    expect(issuesOf(schema, {})).toEqual([
      required(["n"], "number"),
      required(["b"], "boolean"),
      required(["o"], "object"),
      required(["s"], "string")
    ])
  })

  it("names a nullable key by its inner type, as zod's .nullable() does, wherever null stands", () => {
    expect(issuesOf(Schema.Struct({ d: Schema.NullOr(Schema.String) }), {})).toEqual([required(["d"], "string")])
    expect(issuesOf(Schema.Struct({ d: Schema.Union([Schema.Null, Schema.Number]) }), {})).toEqual([
      required(["d"], "number")
    ])
    expect(issuesOf(Schema.Struct({ d: Schema.NullOr(Schema.Array(Schema.String)) }), {})).toEqual([
      required(["d"], "array")
    ])
  })

  it("names a key that only takes null as null (zod's z.null())", () => {
    expect(issuesOf(Schema.Struct({ n: Schema.Union([Schema.Null]) }), {})).toEqual([required(["n"], "null")])
  })

  it("follows the path into arrays of structs and through nullable structs and arrays", () => {
    const items = Schema.Struct({ items: Schema.Array(Schema.Struct({ name: Schema.String })) })
    expect(issuesOf(items, { items: [{ name: "a" }, {}] })).toEqual([required(["items", 1, "name"], "string")])
    const meta = Schema.Struct({ meta: Schema.NullOr(Schema.Struct({ id: Schema.Number })) })
    expect(issuesOf(meta, { meta: {} })).toEqual([required(["meta", "id"], "number")])
    const list = Schema.Struct({ list: Schema.NullOr(Schema.Array(Schema.Struct({ on: Schema.Boolean }))) })
    expect(issuesOf(list, { list: [{}] })).toEqual([required(["list", 0, "on"], "boolean")])
    const nullFirst = Schema.Struct({ meta: Schema.Union([Schema.Null, Schema.Struct({ id: Schema.Number })]) })
    expect(issuesOf(nullFirst, { meta: {} })).toEqual([required(["meta", "id"], "number")])
  })

  it("is still Required without the schema (the proxy's settings say `is required` from it)", () => {
    const [issue] = issuesOf(Schema.Struct({ n: Schema.Number }), {}, false)
    expect(issue).toMatchObject({ code: "invalid_type", received: "undefined", path: ["n"], message: "Required" })
  })
})

describe("a value of the wrong type", () => {
  it("names what was received, also inside nested structs and arrays", () => {
    const schema = Schema.Struct({ a: Schema.Struct({ b: Schema.Array(Schema.Number) }) })
    expect(issuesOf(schema, { a: { b: [1, "2", null] } })).toEqual([
      {
        code: "invalid_type",
        expected: "number",
        received: "string",
        path: ["a", "b", 1],
        message: "Expected number, received string"
      },
      {
        code: "invalid_type",
        expected: "number",
        received: "null",
        path: ["a", "b", 2],
        message: "Expected number, received null"
      }
    ])
  })

  it("answers a union with one member but null, or with one member, as that member's type", () => {
    for (const schema of [
      Schema.Struct({ a: Schema.Union([Schema.Null, Schema.String]) }),
      Schema.Struct({ a: Schema.Union([Schema.String]) })
    ])
      expect(issuesOf(schema, { a: 5 })).toEqual([
        {
          code: "invalid_type",
          expected: "string",
          received: "number",
          path: ["a"],
          message: "Expected string, received number"
        }
      ])
  })

  it("answers a nullable struct given a number with the struct's type, not a union", () => {
    expect(issuesOf(Schema.Struct({ a: Schema.NullOr(Schema.Struct({ id: Schema.String })) }), { a: 5 })).toEqual([
      {
        code: "invalid_type",
        expected: "object",
        received: "number",
        path: ["a"],
        message: "Expected object, received number"
      }
    ])
  })

  it("answers a union of several types, nullable or not, as zod's invalid_union", () => {
    for (const schema of [
      Schema.Struct({ a: Schema.Union([Schema.String, Schema.Number]) }),
      Schema.Struct({ a: Schema.Union([Schema.String, Schema.Number, Schema.Null]) })
    ])
      expect(issuesOf(schema, { a: true })).toEqual([{ code: "invalid_union", message: "Invalid input", path: ["a"] }])
  })

  it("walks into the member that got furthest: a nullable struct with a bad field", () => {
    const schema = Schema.Struct({
      a: Schema.NullOr(Schema.Struct({ id: Schema.String.check(Schema.isMaxLength(2)) }))
    })
    expect(issuesOf(schema, { a: { id: "abc" } })).toEqual([
      {
        code: "too_big",
        maximum: 2,
        type: "string",
        inclusive: true,
        exact: false,
        message: "String must contain at most 2 character(s)",
        path: ["a", "id"]
      }
    ])
  })
})

describe("checks", () => {
  it("words length bounds with the bound itself, for strings and arrays", () => {
    const schema = Schema.Struct({
      s: Schema.String.check(Schema.isMinLength(3)),
      l: Schema.Array(Schema.String).check(Schema.isMinLength(2))
    })
    expect(issuesOf(schema, { s: "x", l: ["a"] })).toEqual([
      {
        code: "too_small",
        minimum: 3,
        type: "string",
        inclusive: true,
        exact: false,
        message: "String must contain at least 3 character(s)",
        path: ["s"]
      },
      {
        code: "too_small",
        minimum: 2,
        type: "array",
        inclusive: true,
        exact: false,
        message: "Array must contain at least 2 element(s)",
        path: ["l"]
      }
    ])
  })

  it("answers a failed refinement as zod's custom issue, naming what it expected when the schema says", () => {
    const named = Schema.String.check(Schema.makeFilter((s: string) => s === "on", { expected: '"on"' }))
    const unnamed = Schema.String.check(Schema.makeFilter((s: string) => s === "on"))
    expect(issuesOf(Schema.Struct({ a: named, b: unnamed, c: Schema.Int }), { a: "off", b: "off", c: 1.5 })).toEqual([
      { code: "custom", message: 'Invalid input: expected "on"', path: ["a"] },
      { code: "custom", message: "Invalid input: expected a valid value", path: ["b"] },
      { code: "custom", message: "Invalid input: expected an integer", path: ["c"] }
    ])
  })

  it("puts a refinement's issue at the path it names (a check across fields), as zod's refine with a path", () => {
    const same = Schema.Struct({ a: Schema.String, b: Schema.String }).check(
      Schema.makeFilter((o: { a: string; b: string }) => (o.a === o.b ? undefined : { path: ["b"], issue: "not a" }))
    )
    expect(issuesOf(Schema.Struct({ pair: same }), { pair: { a: "x", b: "y" } })).toEqual([
      expect.objectContaining({ code: "custom", path: ["pair", "b"] })
    ])
  })

  it("answers a transformation's refusal as a custom issue too, never as a literal", () => {
    expect(issuesOf(Schema.Struct({ at: Schema.DateTimeUtcFromString }), { at: "nope" })).toEqual([
      { code: "custom", message: "Invalid input: expected a valid UTC DateTime string", path: ["at"] }
    ])
  })

  it("answers a transformation that refuses without saying what it expected with the default wording", () => {
    const Even = Schema.String.pipe(
      Schema.decodeTo(
        Schema.Number,
        SchemaTransformation.transformEffect({
          decode: (s: string) =>
            Number(s) % 2 === 0 ? Effect.succeed(Number(s)) : Effect.fail(new SchemaIssue.InvalidValue(undefined, s)),
          encode: (n: number) => Effect.succeed(String(n))
        })
      )
    )
    expect(issuesOf(Schema.Struct({ n: Even }), { n: "3" })).toEqual([
      { code: "custom", message: "Invalid input: expected a valid value", path: ["n"] }
    ])
  })

  it("answers the encoded side's type where a transformation reads one (a number where a string is read)", () => {
    expect(issuesOf(Schema.Struct({ n: Schema.NumberFromString }), { n: 5 })).toEqual([
      {
        code: "invalid_type",
        expected: "string",
        received: "number",
        path: ["n"],
        message: "Expected string, received number"
      }
    ])
  })
})
