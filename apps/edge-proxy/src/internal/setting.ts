/**
 * How one setting is read from the environment (Workers vars and secrets, or `process.env`): the
 * string decoded with an Effect Schema, every problem a line that names the setting and never its
 * value (secrets are settings). The proxy's configuration (`config.ts`) and the audit trail's
 * settings (`audit/settings.ts`) are both decoded with these.
 */
import { Validation } from "@orgkit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/** The environment: strings by name (on Workers, bindings are objects: never a setting). */
export type Env = Readonly<Record<string, unknown>>

/** A string that passes `test`; a problem says it `expected` that. */
export const expecting = (expected: string, test: (s: string) => boolean) =>
  Schema.String.check(Schema.makeFilter((s: string) => test(s), { expected }))

/** A whole number from `min` to `max`, as digits only. */
export const Integer = (min: number, max: number) =>
  expecting(`an integer from ${min} to ${max}`, (s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max)

/** What a secret token (a proxy key, the metrics token, the demo key) is, in words. */
export const tokenForm = "16 to 512 printable ASCII characters without spaces"

/** Whether `s` is a secret token: 16 to 512 printable ASCII characters, no spaces. */
export const isToken = (s: string): boolean => /^[\x21-\x7e]{16,512}$/.test(s)

/** A secret token, as a setting. */
export const Token = expecting(tokenForm, isToken)

/** Any non-empty string. */
export const Required = expecting("a non-empty string", (s) => s.length > 0)

const formatPath = (path: ReadonlyArray<string | number>): string =>
  path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
    .join("")
    .replace(/^\./, "")

/**
 * `input` decoded with `schema`, or `undefined` with one problem per issue, each
 * `<setting> <path>: <message>` (the message is the schema's, never the value).
 */
export const decodeWith = <A>(
  problems: Array<string>,
  setting: string,
  schema: Schema.Decoder<A>,
  input: unknown
): A | undefined => {
  const result = Schema.decodeUnknownResult(schema)(input, { errors: "all", onExcessProperty: "ignore" })
  if (Result.isSuccess(result)) return result.success
  for (const issue of Validation.toZodIssues(result.failure.issue, input)) {
    const where = formatPath(issue.path)
    const message = issue.code === "invalid_type" && issue.message === "Required" ? "is required" : issue.message
    problems.push(`${setting}${where === "" ? "" : ` ${where}`}: ${message}`)
  }
  return undefined
}

/** The setting's string, `undefined` when unset or empty. */
const given = (env: Env, name: string): string | undefined => {
  const raw = env[name]
  return typeof raw === "string" && raw !== "" ? raw : undefined
}

/**
 * A setting decoded with `schema`; `fallback` (decoded too) when it is unset or empty. Without a
 * fallback an unset setting is a problem (`is required`).
 *
 * @example
 * const port = setting(problems, env, "PORT", Integer(0, 65_535), "8787")
 */
export const setting = <A>(
  problems: Array<string>,
  env: Env,
  name: string,
  schema: Schema.Decoder<A>,
  fallback?: string
): A | undefined => {
  const value = given(env, name) ?? fallback
  if (value === undefined) {
    problems.push(`${name}: is required`)
    return undefined
  }
  return decodeWith(problems, name, schema, value)
}

/** An optional setting decoded with `schema`: `undefined` when unset or empty. */
export const optional = <A>(
  problems: Array<string>,
  env: Env,
  name: string,
  schema: Schema.Decoder<A>
): A | undefined => {
  const value = given(env, name)
  return value === undefined ? undefined : decodeWith(problems, name, schema, value)
}
