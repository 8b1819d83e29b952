import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/**
 * Core's schemas compiled once from their AST into plain closures, for the Promise API's per-call
 * work: encoding path parameters and bodies, decoding response bodies.
 *
 * Why: Effect's schema parser is general (effects, issues, annotations, transformations) and
 * large. Inside a call, right after the network read, its code is cold: measured in the overhead
 * benchmark's loop, decoding an `Organization` took ~30 µs there against ~4 µs in a hot loop.
 * Core's request and response schemas use a small subset — structs with optional keys, records,
 * arrays, unions, literals, primitives, and checks (filters) — which compiles to a few closures.
 *
 * A compiled function only ever decides the common case, from the schema a codec was derived from
 * (see `jsonSource`). A value it rejects goes to Effect's codec, which throws the precise
 * `SchemaError` (or, should the two ever disagree, returns Effect's result); a schema it cannot
 * compile (a transformation, a declaration) is handled by Effect alone. Outputs equal Effect's:
 * known keys kept, unknown keys dropped, checks applied (`test/compiled.test.ts` checks this for
 * every operation's schemas with generated values).
 */
export const decoder = (codec: Schema.Top, source: Schema.Top = codec): ((input: unknown) => unknown) =>
  withFallback(compile(source.ast), Schema.decodeUnknownSync(codec as unknown as Schema.Codec<unknown, unknown>))

/**
 * An encoder: for a schema without transformations, encoding checks and copies exactly what
 * decoding does, so the same compiled function serves.
 */
export const encoder = (codec: Schema.Top, source: Schema.Top = codec): ((input: unknown) => unknown) =>
  withFallback(compile(source.ast), Schema.encodeUnknownSync(codec as unknown as Schema.Codec<unknown, unknown>))

/**
 * The schema a JSON codec was derived from: `HttpApiEndpoint` wraps JSON payloads and bodies in
 * `Schema.toCodecJson(schema)`, whose `schema` is the original. Compiling the original is exact
 * for JSON values; anything else (a non-finite number to encode, a stringified one to decode) is
 * rejected by the compiled function and left to the codec.
 */
export const jsonSource = (codec: Schema.Top): Schema.Top =>
  "schema" in codec && Schema.isSchema(codec.schema) ? codec.schema : codec

/** Whether the schema compiles (otherwise `decoder`/`encoder` use Effect's codec alone). */
export const isCompiled = (source: Schema.Top): boolean => compile(source.ast) !== undefined

const withFallback = (fast: Parse | undefined, effect: (input: unknown) => unknown) => {
  if (fast === undefined) return effect
  return (input: unknown) => {
    const output = fast(input)
    return output === Invalid ? effect(input) : output
  }
}

const Invalid: unique symbol = Symbol("Invalid")
type Parse = (input: unknown) => unknown

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

// JSON.parse creates an own "__proto__" key; plain assignment would set the prototype instead.
const put = (target: Record<string, unknown>, key: string, value: unknown) => {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

const parseOptions: SchemaAST.ParseOptions = {}

const filtersOf = (checks: ReadonlyArray<SchemaAST.Check<unknown>>): Array<SchemaAST.Filter<unknown>> =>
  checks.flatMap((check) => (check._tag === "Filter" ? [check] : filtersOf(check.checks)))

const compile = (ast: SchemaAST.AST): Parse | undefined => {
  if (ast.encoding !== undefined) return undefined
  const parse = compileType(ast)
  if (parse === undefined || ast.checks === undefined) return parse
  const filters = filtersOf(ast.checks)
  return (u) => {
    const output = parse(u)
    if (output === Invalid) return Invalid
    for (const filter of filters) if (filter.run(output, ast, parseOptions) !== undefined) return Invalid
    return output
  }
}

const compileType = (ast: SchemaAST.AST): Parse | undefined => {
  switch (ast._tag) {
    case "String":
      return (u) => (typeof u === "string" ? u : Invalid)
    case "Number":
      // JSON has only finite numbers; the codec writes the others as strings.
      return (u) => (typeof u === "number" && Number.isFinite(u) ? u : Invalid)
    case "Boolean":
      return (u) => (typeof u === "boolean" ? u : Invalid)
    case "Null":
      return (u) => (u === null ? u : Invalid)
    case "Literal": {
      const literal = ast.literal
      return (u) => (u === literal ? u : Invalid)
    }
    case "Unknown":
    case "Any":
      return (u) => u
    case "Union": {
      if (ast.options?.mode === "oneOf") return undefined
      const members = compileAll(ast.types)
      if (members === undefined) return undefined
      return (u) => {
        for (const member of members) {
          const output = member(u)
          if (output !== Invalid) return output
        }
        return Invalid
      }
    }
    case "Arrays": {
      const [item, ...more] = ast.rest
      if (ast.elements.length > 0 || item === undefined || more.length > 0) return undefined
      const parse = compile(item)
      if (parse === undefined) return undefined
      return (u) => {
        if (!Array.isArray(u)) return Invalid
        const output = new Array<unknown>(u.length)
        for (let i = 0; i < u.length; i++) {
          const value = parse(u[i])
          if (value === Invalid) return Invalid
          output[i] = value
        }
        return output
      }
    }
    case "Objects":
      return compileObjects(ast)
    default:
      return undefined
  }
}

const compileAll = (asts: ReadonlyArray<SchemaAST.AST>): ReadonlyArray<Parse> | undefined => {
  const parsers: Array<Parse> = []
  for (const ast of asts) {
    const parse = compile(ast)
    if (parse === undefined) return undefined
    parsers.push(parse)
  }
  return parsers
}

const compileObjects = (ast: SchemaAST.Objects): Parse | undefined => {
  const { indexSignatures, propertySignatures } = ast
  // A struct, or a string-keyed record; not both at once (core has neither mixes nor other keys).
  if (propertySignatures.length > 0 && indexSignatures.length > 0) return undefined
  if (indexSignatures.length > 0) {
    const [index, ...more] = indexSignatures
    if (more.length > 0 || index!.parameter._tag !== "String" || index!.parameter.checks !== undefined) return undefined
    const parse = compile(index!.type)
    if (parse === undefined) return undefined
    return (u) => {
      if (!isObject(u)) return Invalid
      const output: Record<string, unknown> = {}
      for (const key of Object.keys(u)) {
        const value = parse(u[key])
        if (value === Invalid) return Invalid
        put(output, key, value)
      }
      return output
    }
  }
  const fields: Array<{ readonly key: string; readonly optional: boolean; readonly parse: Parse }> = []
  for (const ps of propertySignatures) {
    if (typeof ps.name !== "string") return undefined
    const parse = compile(ps.type)
    if (parse === undefined) return undefined
    fields.push({ key: ps.name, optional: SchemaAST.isOptional(ps.type), parse })
  }
  return (u) => {
    if (!isObject(u)) return Invalid
    const output: Record<string, unknown> = {}
    for (const { key, optional, parse } of fields) {
      if (!Object.hasOwn(u, key)) {
        if (optional) continue
        return Invalid
      }
      const value = parse(u[key])
      if (value === Invalid) return Invalid
      put(output, key, value)
    }
    return output
  }
}
