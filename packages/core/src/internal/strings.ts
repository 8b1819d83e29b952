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
    meta: { orgkit: "url" }
  })
)

/** `#rgb` or `#rrggbb`, case-insensitive. */
export const HexColor = Schema.String.check(Schema.isPattern(/^#[\da-f]{3}([\da-f]{3})?$/i))

/** A free-form JSON object (Logto's `customData`, SSO `config`). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
