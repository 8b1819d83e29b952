/**
 * The compiled codecs (`src/internal/compiled.ts`) against Effect's, on every operation's schemas:
 * path parameters, JSON bodies sent and JSON bodies received. For valid values and for values
 * broken at a random place, the compiled path must give exactly what Effect's codec gives: the
 * same output, or the same refusal (it falls back to Effect whenever it refuses, so what must
 * never happen is that it accepts what Effect refuses, or outputs something else).
 */
import { RouteTable } from "@orgkit/core"
import { Fixtures } from "@orgkit/testing"
import * as Schema from "effect/Schema"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Compiled from "../src/internal/compiled.ts"

type Codec = Schema.Codec<unknown, unknown>
type Run = (input: unknown) => unknown

const outcome = (run: Run, input: unknown) => {
  try {
    return { ok: true, value: run(input) } as const
  } catch (error) {
    return { ok: false, message: (error as Error).message } as const
  }
}

/** A copy of a JSON value broken at its `at`-th node: the node replaced, its key dropped, or a key added. */
const breakAt = (value: unknown, at: number, how: "replace" | "drop" | "add", junk: unknown): unknown => {
  let n = 0
  const walk = (v: unknown): unknown => {
    const here = n++ === at
    if (here && how === "replace") return junk
    if (Array.isArray(v)) {
      const copy = v.map(walk)
      if (here && how === "drop") copy.pop()
      if (here && how === "add") copy.push(junk)
      return copy
    }
    if (typeof v === "object" && v !== null) {
      const copy: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) copy[k] = walk(x)
      const keys = Object.keys(copy)
      if (here && how === "drop" && keys.length > 0) delete copy[keys[at % keys.length]!]
      if (here && how === "add") copy[`extra${at}`] = junk
      return copy
    }
    return v
  }
  return walk(value)
}

const json = <A>(value: A): A => JSON.parse(JSON.stringify(value))

interface Case {
  readonly name: string
  readonly codec: Schema.Top
  readonly direction: "decode" | "encode"
}

const cases: Array<Case> = RouteTable.routes.flatMap((route): Array<Case> => {
  const { endpoint } = route
  const out: Array<Case> = []
  if (endpoint.params !== undefined)
    out.push({ name: `${route.name} params`, codec: endpoint.params, direction: "encode" })
  const payload = endpoint.payload.get("application/json")?.schemas[0]
  if (payload !== undefined) out.push({ name: `${route.name} payload`, codec: payload, direction: "encode" })
  const [success] = endpoint.success
  if (success !== undefined) {
    const body = HttpApiSchema.isWithHeaders(success) ? success.schema : success
    const source = Compiled.jsonSource(body)
    if (!Schema.isSchema(source) || Schema.toType(source).ast._tag === "String") return out
    if (HttpApiSchema.isNoContent(body.ast)) return out
    out.push({ name: `${route.name} response body`, codec: body, direction: "decode" })
  }
  return out
})

describe("compiled codecs", () => {
  it("compile every path-parameter, request-body and response-body schema of the 36 operations", () => {
    expect(cases.length).toBeGreaterThan(36 + 20)
    const notCompiled = cases.filter((c) => !Compiled.isCompiled(Compiled.jsonSource(c.codec))).map((c) => c.name)
    expect(notCompiled).toEqual([])
  })

  for (const c of cases) {
    it(`agree with Effect's codec: ${c.name}`, () => {
      const source = Compiled.jsonSource(c.codec)
      const compiled = c.direction === "decode" ? Compiled.decoder(c.codec, source) : Compiled.encoder(c.codec, source)
      const effect: Run =
        c.direction === "decode"
          ? Schema.decodeUnknownSync(c.codec as unknown as Codec)
          : Schema.encodeUnknownSync(c.codec as unknown as Codec)
      const valid = Fixtures.arbitrary(source).map(json)
      fc.assert(
        fc.property(valid, (value) => {
          const expected = outcome(effect, value)
          expect(expected.ok).toBe(true)
          expect(outcome(compiled, value)).toEqual(expected)
        }),
        { numRuns: 60 }
      )
      fc.assert(
        fc.property(
          valid,
          fc.nat(40),
          fc.constantFrom("replace", "drop", "add"),
          fc.oneof(fc.jsonValue(), fc.constantFrom(null, "", 0, -1.5, true, [], {})),
          (value, at, how, junk) => {
            const broken = breakAt(value, at, how as "replace" | "drop" | "add", junk)
            expect(outcome(compiled, broken)).toEqual(outcome(effect, broken))
          }
        ),
        { numRuns: 150 }
      )
    })
  }

  it("leave non-JSON inputs to Effect (non-finite numbers, arrays for structs, inherited keys)", () => {
    const route = RouteTable.byOperationId.get("GetOrganization")!
    const [body] = route.endpoint.success
    const decode = Compiled.decoder(body!, Compiled.jsonSource(body!))
    const effect = Schema.decodeUnknownSync(body as unknown as Codec)
    const org = { tenantId: "t", id: "o", name: "n", description: null, customData: {}, isMfaRequired: false }
    const more = { color: {}, branding: {}, customCss: null }
    for (const input of [
      { ...org, ...more, createdAt: Number.NaN },
      { ...org, ...more, createdAt: "Infinity" },
      [],
      Object.create({ ...org, ...more, createdAt: 1 }),
      JSON.parse(
        '{"tenantId":"t","id":"o","name":"n","description":null,"customData":{"__proto__":{"x":1}},"isMfaRequired":false,"color":{},"branding":{},"customCss":null,"createdAt":1}'
      )
    ]) {
      expect(outcome(decode, input)).toEqual(outcome(effect, input))
    }
  })
})
