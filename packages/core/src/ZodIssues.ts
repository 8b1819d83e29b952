/**
 * Effect Schema issues rendered as zod 3 renders its issues, since Logto validates with zod and sends
 * them in its 400 `guard.invalid_input` (`data.issues`, `details`): the code, the path, the expected
 * and received types, the message. `Validation` answers with them; the proxy's settings reuse them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"

/**
 * A zod-style issue, as Logto sends them in `data.issues`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ZodIssue {
  readonly code: string
  readonly path: ReadonlyArray<string | number>
  readonly message: string
  readonly [key: string]: unknown
}

const typeName = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value)

const typeNames: Readonly<Record<string, string>> = {
  String: "string",
  Number: "number",
  Boolean: "boolean",
  Objects: "object",
  Arrays: "array",
  Null: "null",
  Literal: "literal"
}

/** The zod-style type name a schema expects, looking through `NullOr` and filters. */
const expectedName = (ast: SchemaAST.AST | undefined): string => {
  if (ast === undefined) return "object"
  if (ast._tag === "Union") {
    const named = ast.types.map((t) => expectedName(t)).filter((n) => n !== "null")
    return named[0] ?? "null"
  }
  return typeNames[ast._tag] ?? "object"
}

/** The schema at a path of a struct/array schema, to name what a missing key should have been. */
const astAt = (ast: SchemaAST.AST | undefined, path: ReadonlyArray<PropertyKey>): SchemaAST.AST | undefined => {
  let current = ast
  for (const key of path) {
    if (current === undefined) return undefined
    if (current._tag === "Union") current = current.types.find((t) => t._tag === "Objects" || t._tag === "Arrays")
    if (current?._tag === "Objects") current = current.propertySignatures.find((p) => p.name === key)?.type
    else if (current?._tag === "Arrays") current = current.rest[0] ?? current.elements[Number(key)]
    else return undefined
  }
  return current
}

const leafIssue = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<string | number>,
  input: unknown,
  root: SchemaAST.AST | undefined
): ZodIssue => {
  switch (issue._tag) {
    case "MissingKey": {
      const expected = expectedName(astAt(root, path))
      return { code: "invalid_type", expected, received: "undefined", path, message: "Required" }
    }
    case "InvalidType": {
      const expected = expectedName(issue.ast)
      const received = typeName(input)
      return { code: "invalid_type", expected, received, path, message: `Expected ${expected}, received ${received}` }
    }
    case "Filter": {
      const representation = (
        issue.filter.annotations as { representation?: { id?: string; payload?: Record<string, number> } } | undefined
      )?.representation
      const meta = issue.filter.annotations?.meta as { orgkit?: string } | undefined
      const kind = typeof input === "string" ? "string" : "array"
      const noun = kind === "string" ? "String" : "Array"
      const unit = kind === "string" ? "character(s)" : "element(s)"
      if (representation?.id === "effect/schema/isMinLength") {
        const minimum = representation.payload?.minLength ?? 1
        const message = `${noun} must contain at least ${minimum} ${unit}`
        return { code: "too_small", minimum, type: kind, inclusive: true, exact: false, message, path }
      }
      if (representation?.id === "effect/schema/isMaxLength") {
        const maximum = representation.payload?.maxLength ?? 0
        const message = `${noun} must contain at most ${maximum} ${unit}`
        return { code: "too_big", maximum, type: kind, inclusive: true, exact: false, message, path }
      }
      if (representation?.id === "effect/schema/isPattern") {
        return { validation: "regex", code: "invalid_string", message: "Invalid", path }
      }
      if (meta?.orgkit === "url") return { validation: "url", code: "invalid_string", message: "Invalid url", path }
      return refused(issue.filter.annotations?.expected, path)
    }
    default:
      // A transformation's refusal (`InvalidValue`: a string that is no date) or any other issue.
      return refused(issue._tag === "InvalidValue" ? issue.annotations?.expected : undefined, path)
  }
}

/** zod's issue for a failed refinement, naming what the schema expected when it says. */
const refused = (expected: unknown, path: ReadonlyArray<string | number>): ZodIssue => ({
  code: "custom",
  message: `Invalid input: expected ${String(expected ?? "a valid value")}`,
  path
})

// An issue's path only goes through objects and arrays: a primitive or null fails at its own key.
const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | null | undefined)?.[k], root)

/**
 * Flattens an Effect schema issue into zod-style issues, one per failing field.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromSchemaIssue = (issue: SchemaIssue.Issue, input: unknown, schema?: Schema.Top): Array<ZodIssue> => {
  const root = schema === undefined ? undefined : Schema.toType(schema).ast
  const out: Array<ZodIssue> = []
  const walk = (i: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): void => {
    switch (i._tag) {
      case "Pointer":
        return walk(i.issue, [...path, ...i.path])
      case "Composite":
        for (const child of i.issues) walk(child, path)
        return
      case "AnyOf": {
        if (i.issues.length > 0) return walk(i.issues[0]!, path)
        // zod's `.nullable()` is no union: a value of the wrong type fails its inner type.
        const members = i.ast.types.filter((t) => t._tag !== "Null")
        if (members.length === 1) {
          const expected = expectedName(members[0])
          const received = typeName(valueAt(input, path))
          out.push({
            code: "invalid_type",
            expected,
            received,
            path: path as Array<string | number>,
            message: `Expected ${expected}, received ${received}`
          })
          return
        }
        out.push({ code: "invalid_union", message: "Invalid input", path: path as Array<string | number> })
        return
      }
      case "Encoding":
        return walk(i.issue, path)
      case "Filter":
        if (i.issue._tag !== "InvalidValue") return walk(i.issue, path)
        out.push(leafIssue(i, path as Array<string | number>, valueAt(input, path), root))
        return
      default:
        out.push(leafIssue(i, path as Array<string | number>, valueAt(input, path), root))
    }
  }
  walk(issue, [])
  return out
}

const detailLine = (issue: ZodIssue): string => {
  const text =
    issue.code === "invalid_type"
      ? `Expected ${String(issue["expected"])} but received ${String(issue["received"])}.`
      : issue.message
  return `Error in key path "${issue.path.join(".")}": (${issue.code}) ${text}`
}

/**
 * Logto's `details` for a ZodError: one line per issue, `Error in key path "a.b": (code) text`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const details = (issues: ReadonlyArray<ZodIssue>): string => issues.map(detailLine).join("\n")
