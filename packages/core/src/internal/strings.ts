import * as Schema from "effect/Schema"

/** A string of at least one UTF-16 code unit, as Logto's `z.string().min(1)`. */
export const NonEmpty = Schema.String.check(Schema.isMinLength(1))

/** A string with Logto's length bounds, counted in UTF-16 code units. */
export const Bounded = (min: number, max: number) =>
  min > 0
    ? Schema.String.check(Schema.isMinLength(min), Schema.isMaxLength(max))
    : Schema.String.check(Schema.isMaxLength(max))

/** An array with at least one element. Typed as a plain array, as Logto's types are. */
export const NonEmptyList = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(1))

/** An absolute URL that WHATWG `new URL()` accepts, any scheme (Logto's `z.string().url()`). */
export const Url = Schema.String.check(
  Schema.makeFilter((s: string) => URL.canParse(s), {
    expected: "a URL",
    meta: { orgkit: "url" },
    // What generators draw (the predicate still decides): absolute http(s) URLs.
    arbitraryConstraint: { patterns: [{ source: "^https?://[a-z]{1,12}\\.example(/[a-z0-9]{1,8}){0,3}$", flags: "" }] }
  })
)

/** `#rgb` or `#rrggbb`, case-insensitive. */
// Both cases spelled out rather than the `i` flag: the same language, and generators can draw from it.
export const HexColor = Schema.String.check(Schema.isPattern(/^#[\da-fA-F]{3}([\da-fA-F]{3})?$/))

/**
 * A number in a request body, as Logto's `z.number()`: anything but `NaN` (JSON's `1e400` parses
 * to `Infinity` and passes).
 */
export const BodyNumber = Schema.Number.check(
  Schema.makeFilter((n: number) => !Number.isNaN(n), {
    expected: "a number",
    // What generators draw (the predicate still decides): finite numbers, the ones JSON can write.
    arbitraryConstraint: { number: "finite" }
  })
)

/** A free-form JSON object (Logto's `customData`, SSO `config`). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/**
 * Whether a `__proto__` key is anywhere in a value: iterative, and one element pushed at a time (a
 * 1 MiB body may nest deeper than the stack, or hold an array longer than a call's arguments can).
 */
const hasProtoKey = (value: unknown): boolean => {
  const pending: Array<unknown> = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next !== "object" || next === null) continue
    if (Object.hasOwn(next, "__proto__")) return true
    for (const child of Object.values(next)) pending.push(child)
  }
  return false
}

/**
 * A free-form JSON object in a request body. Logto's body parser (co-body, `protoAction: "error"`)
 * refuses a `__proto__` key at any depth before validation, so no body Logto accepts holds one
 * (`Validation.parseBody` answers it first). Said here too so the values derived from the schema
 * (Effect's Arbitrary draws `__proto__` among its edge-case keys) are only bodies Logto accepts.
 */
export const JsonObjectBody = JsonObject.check(
  Schema.makeFilter((value: object) => !hasProtoKey(value), { expected: "a JSON object without a __proto__ key" })
)
