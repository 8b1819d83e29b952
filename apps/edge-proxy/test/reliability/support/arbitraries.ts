/**
 * fast-check arbitraries of invalid requests, derived from core's route metadata
 * (`RouteTable.routes`: methods, paths, path parameters, pagination mode) and each endpoint's
 * payload and query schemas (defects from their AST: required keys, types, length bounds, the
 * color pattern, the URL check, non-empty arrays; the valid rest of a body from Effect's own
 * derivation, `Fixtures.arbitrary`), plus Logto's pagination rules (`Pagination.parse` decides
 * which `page`/`page_size` values are invalid).
 *
 * Every arbitrary yields a `Case`; `badRequest` keeps only the cases the oracle says the proxy
 * must reject, so every generated request is bad input.
 */
import { Pagination, RouteTable } from "@orgkit/core"
import { Demo, Fixtures } from "@orgkit/testing"
import { Schema, SchemaAST } from "effect"
import * as fc from "fast-check"
import http from "node:http"
import { type Auth, type Case, expected } from "./oracle.ts"
import { directToken, keys } from "./stack.ts"

type Ast = SchemaAST.AST

const { ids } = Demo
const encoder = new TextEncoder()

// ---------------------------------------------------------------------------------------------
// Reading the schemas

interface Rules {
  readonly minLength?: number
  readonly maxLength?: number
  readonly pattern?: RegExp
  readonly url: boolean
}

/** The length bounds, pattern and URL check of a schema node (from its checks' annotations). */
const rulesOf = (ast: Ast): Rules => {
  let minLength: number | undefined
  let maxLength: number | undefined
  let pattern: RegExp | undefined
  let url = false
  for (const check of ast.checks ?? []) {
    const annotations = check.annotations as
      | {
          arbitraryConstraint?: {
            minLength?: number
            maxLength?: number
            patterns?: ReadonlyArray<{ source: string; flags: string }>
          }
          meta?: { orgkit?: string }
        }
      | undefined
    const c = annotations?.arbitraryConstraint
    if (c?.minLength !== undefined) minLength = Math.max(minLength ?? 0, c.minLength)
    if (c?.maxLength !== undefined) maxLength = Math.min(maxLength ?? Infinity, c.maxLength)
    if (c?.patterns?.[0] !== undefined) pattern = new RegExp(c.patterns[0].source, c.patterns[0].flags)
    if (annotations?.meta?.orgkit === "url") url = true
  }
  return {
    ...(minLength === undefined ? {} : { minLength }),
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(pattern === undefined ? {} : { pattern }),
    url
  }
}

const isStruct = (ast: Ast): boolean => ast._tag === "Objects" && ast.propertySignatures.length > 0
const isRecord = (ast: Ast): boolean => ast._tag === "Objects" && ast.propertySignatures.length === 0

// ---------------------------------------------------------------------------------------------
// Valid values (the rest of a body around one defect)

/**
 * Valid values of a schema node, derived by Effect (`Fixtures.arbitrary`, compiled once per node
 * however often a case asks): the rest of a body around one defect.
 */
const validFor = (ast: Ast): fc.Arbitrary<unknown> => Fixtures.arbitrary(Schema.make(ast) as Schema.Top)

// ---------------------------------------------------------------------------------------------
// Invalid values: one defect somewhere below `ast`, with a label saying what it is

/** An invalid value and what is wrong with it. */
interface Defect {
  readonly value: unknown
  readonly why: string
}

const defect = (arb: fc.Arbitrary<unknown>, why: string): fc.Arbitrary<Defect> => arb.map((value) => ({ value, why }))

const notA = {
  string: fc.constantFrom<unknown>(0, 1, -1.5, 1e21, true, false, [], ["x"], {}, { a: 1 }),
  number: fc.constantFrom<unknown>("1", "", "NaN", "1e3", true, false, [], [1], {}, { n: 1 }),
  boolean: fc.constantFrom<unknown>("true", "false", 0, 1, "yes", "", [], [true], {}),
  object: fc.constantFrom<unknown>("x", "", 0, 1, true, false, [], [{}], ["a", "b"]),
  array: fc.constantFrom<unknown>("x", "", 0, 1, true, {}, { 0: "a" }, { length: 1 })
}

const badColors = fc.oneof(
  fc.constantFrom(
    "red",
    "#ff",
    "#ffff",
    "#fffff",
    "#fffffff",
    "#ggg",
    "1d4ed8",
    "#1d4ed",
    " #fff",
    "#fff ",
    "",
    "rgb(0,0,0)"
  ),
  fc.string({ maxLength: 12 })
)
const badUrls = fc.oneof(
  fc.constantFrom(
    "logo.png",
    "/logo.png",
    "//cdn.example/x",
    "http//x",
    "https://",
    "ht tp://x",
    "",
    " ",
    "cdn.example"
  ),
  fc.string({ maxLength: 20 })
)

const tooLong = (max: number): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 6, arbitrary: fc.integer({ min: max + 1, max: max + 64 }) },
      { weight: 1, arbitrary: fc.integer({ min: max + 65, max: 20_000 }) }
    )
    .chain((n) =>
      fc.constantFrom("n", "é", "字", "a b").map((unit) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n))
    )

const invalidString = (ast: Ast): fc.Arbitrary<Defect> => {
  const rules = rulesOf(ast)
  const options: Array<fc.Arbitrary<Defect>> = [defect(notA.string, "wrong type (string expected)")]
  if ((rules.minLength ?? 0) >= 1) options.push(defect(fc.constant(""), "empty string"))
  if (rules.maxLength !== undefined) options.push(defect(tooLong(rules.maxLength), `longer than ${rules.maxLength}`))
  if (rules.pattern !== undefined) {
    const pattern = rules.pattern
    options.push(
      defect(
        badColors.filter((s) => !pattern.test(s)),
        "bad color"
      )
    )
  }
  if (rules.url)
    options.push(
      defect(
        badUrls.filter((s) => !URL.canParse(s)),
        "bad URL"
      )
    )
  return fc.oneof(...options)
}

const invalidFor = (ast: Ast): fc.Arbitrary<Defect> => {
  switch (ast._tag) {
    case "String":
      return invalidString(ast)
    case "Number":
      return defect(notA.number, "wrong type (number expected)")
    case "Boolean":
      return defect(notA.boolean, "wrong type (boolean expected)")
    case "Union": {
      // NullOr(X): X's defects, except null itself.
      const nullable = ast.types.some((t) => t._tag === "Null")
      const inner = ast.types.filter((t) => t._tag !== "Null")
      return fc.oneof(...inner.map(invalidFor)).filter((d) => !(nullable && d.value === null))
    }
    case "Arrays": {
      const item = ast.rest[0]!
      const options: Array<fc.Arbitrary<Defect>> = [defect(notA.array, "wrong type (array expected)")]
      if ((rulesOf(ast).minLength ?? 0) >= 1) options.push(defect(fc.constant([]), "empty array"))
      options.push(
        fc.tuple(fc.array(validFor(item), { maxLength: 3 }), invalidFor(item), fc.nat()).map(([items, bad, at]) => {
          const copy = [...items]
          copy.splice(at % (copy.length + 1), 0, bad.value)
          return { value: copy, why: `bad item: ${bad.why}` }
        })
      )
      return fc.oneof(...options)
    }
    case "Objects": {
      if (isRecord(ast)) return defect(fc.oneof(notA.object, fc.constant(null)), "wrong type (object expected)")
      const props = ast.propertySignatures
      const required = props.filter((p) => !SchemaAST.isOptional(p.type)).map((p) => String(p.name))
      const options: Array<fc.Arbitrary<Defect>> = [defect(notA.object, "wrong type (object expected)")]
      if (required.length > 0)
        options.push(
          fc.tuple(validFor(ast), fc.constantFrom(...required)).map(([value, key]) => {
            const copy = { ...(value as Record<string, unknown>) }
            delete copy[key]
            return { value: copy, why: `missing ${key}` }
          })
        )
      for (const p of props) {
        const name = String(p.name)
        options.push(
          fc.tuple(validFor(ast), invalidFor(p.type)).map(([value, bad]) => ({
            value: { ...(value as Record<string, unknown>), [name]: bad.value },
            why: `${name}: ${bad.why}`
          }))
        )
      }
      return fc.oneof(...options)
    }
    default:
      throw new Error(`no invalid arbitrary for ${ast._tag}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Paths

const weirdId = fc.oneof(
  fc.constantFrom("a/b", "a?b#c", "ü", "%", "100%", "a b", "\u0000", "..x", "x..", "%2F", "%252F", "😀", "'\"<>", "\\"),
  fc.string({ minLength: 1, maxLength: 12, unit: "binary" }),
  fc.integer({ min: 129, max: 3_000 }).map((n) => "x".repeat(n))
)

const paramValues: Readonly<Record<string, fc.Arbitrary<string>>> = {
  id: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom<string>(ids.organizations.acme, ids.organizations.globex, ids.organizations.initech)
    },
    { weight: 2, arbitrary: Fixtures.shortId },
    { weight: 1, arbitrary: weirdId }
  ),
  userId: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<string>(...Object.values(ids.users)) },
    { weight: 2, arbitrary: Fixtures.shortId },
    { weight: 1, arbitrary: weirdId }
  ),
  applicationId: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<string>(...Object.values(ids.applications)) },
    { weight: 2, arbitrary: Fixtures.longId },
    { weight: 1, arbitrary: weirdId }
  ),
  organizationRoleId: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<string>(...Object.values(ids.roles)) },
    { weight: 2, arbitrary: Fixtures.longId },
    { weight: 1, arbitrary: weirdId }
  ),
  emailDomain: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("acme.example", "globex.example", "ACME.example") },
    { weight: 2, arbitrary: fc.domain() },
    { weight: 1, arbitrary: weirdId }
  ),
  ssoConnectorId: fc.oneof(
    { weight: 6, arbitrary: fc.constant<string>(ids.ssoConnectors.acmeOkta) },
    { weight: 2, arbitrary: Fixtures.shortId },
    { weight: 1, arbitrary: weirdId }
  )
}

/** How a path parameter is written into the request target. */
const segment = (value: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(encodeURIComponent(value)) },
    // Encoded twice: Logto decodes once, so `%252F` is the id `%2F`.
    { weight: 1, arbitrary: fc.constant(encodeURIComponent(encodeURIComponent(value))) },
    // Every byte encoded, lower-case hex.
    {
      weight: 1,
      arbitrary: fc.constant([...encoder.encode(value)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""))
    }
  )

const pathOf = (route: RouteTable.Route): fc.Arbitrary<string> => {
  if (route.pathParams.length === 0) return fc.constant(route.path)
  return fc.tuple(...route.pathParams.map((name) => paramValues[name]!.chain(segment))).map((segments) => {
    let i = 0
    return route.path.replace(/:(\w+)/g, () => segments[i++]!)
  })
}

// ---------------------------------------------------------------------------------------------
// Queries

const queryPart = (key: string, value: string | undefined): string =>
  value === undefined ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`

const plusSpaces = (query: string) => query.replaceAll("%20", "+")

/** `?a=1&b=2` from pairs (no `?` for none); spaces sometimes written as `+`. */
const queryString = (pairs: ReadonlyArray<readonly [string, string | undefined]>): fc.Arbitrary<string> =>
  pairs.length === 0
    ? fc.constant("")
    : fc.boolean().map((plus) => {
        const q = pairs.map(([k, v]) => queryPart(k, v)).join("&")
        return `?${plus ? plusSpaces(q) : q}`
      })

const paginationValue = fc.oneof(
  fc.constantFrom(
    "0",
    "-1",
    "-0",
    "abc",
    "1.5",
    "2.5",
    "0.5",
    "0.1",
    "101",
    "100.5",
    "1e400",
    "-1e400",
    "Infinity",
    "-Infinity",
    "NaN",
    "0x",
    "1_0",
    "1,2",
    "+",
    "١",
    "１",
    "1e-400",
    "0e0",
    " ",
    "1 2",
    "true",
    "null",
    "[]",
    "%",
    "0b",
    "0o9",
    "9007199254740993",
    "1e2",
    "0x10",
    "+2",
    " 3 "
  ),
  fc.integer({ min: -1_000, max: 1_000 }).map(String),
  fc.double().map(String),
  fc.string({ maxLength: 6 })
)

const unknownPairs = fc.array(
  fc.tuple(
    fc.constantFrom("foo", "sort", "search.name", "page[size]", "pageSize", "PAGE", "q ", "Page", "limit", "__proto__"),
    fc.string({ maxLength: 8 })
  ),
  { maxLength: 2 }
)

const stringQueryKeys = (route: RouteTable.Route): Array<string> => {
  const ast = (route.endpoint.query as { readonly ast: Ast } | undefined)?.ast
  if (ast === undefined || ast._tag !== "Objects" || !isStruct(ast)) return []
  return ast.propertySignatures.map((p) => String(p.name)).filter((k) => k !== "page" && k !== "page_size")
}

const queryDefect = (route: RouteTable.Route): fc.Arbitrary<{ query: string; why: string }> => {
  const stringKeys = stringQueryKeys(route)
  const options: Array<fc.Arbitrary<{ pairs: Array<readonly [string, string | undefined]>; why: string }>> = []
  if (route.pagination !== "none") {
    // A bad page or page_size, as Logto's rules (Pagination.parse) judge it.
    options.push(
      fc
        .tuple(fc.constantFrom("page", "page_size"), paginationValue, fc.option(paginationValue, { nil: undefined }))
        .map(([key, value, other]) => {
          const pairs: Array<readonly [string, string | undefined]> = [[key, value]]
          if (other !== undefined) pairs.push([key === "page" ? "page_size" : "page", other])
          return { pairs, why: `bad ${key}` }
        })
        .filter(
          ({ pairs }) =>
            Pagination.parse(new URLSearchParams(pairs.map(([k, v]) => [k, v ?? ""])), route.pagination)._tag ===
            "Invalid"
        ),
      // A repeated page or page_size (even `page=1&page=`).
      fc
        .tuple(
          fc.constantFrom("page", "page_size"),
          fc.array(fc.constantFrom("1", "2", "", "20"), { minLength: 2, maxLength: 4 })
        )
        .map(([key, values]) => ({ pairs: values.map((v) => [key, v] as const), why: `repeated ${key}` }))
    )
  }
  for (const key of stringKeys) {
    // A repeated string key is an array: "Expected string, received array".
    options.push(
      fc
        .array(fc.string({ maxLength: 6 }), { minLength: 2, maxLength: 3 })
        .map((values) => ({ pairs: values.map((v) => [key, v] as const), why: `repeated ${key}` }))
    )
  }
  if (stringKeys.includes("organizationRoleId"))
    options.push(fc.constant({ pairs: [["organizationRoleId", ""] as const], why: "empty organizationRoleId" }))
  return fc.tuple(fc.oneof(...options), unknownPairs, fc.boolean()).chain(([bad, noise, noiseFirst]) =>
    queryString(noiseFirst ? [...noise, ...bad.pairs] : [...bad.pairs, ...noise]).map((query) => ({
      query,
      why: bad.why
    }))
  )
}

// ---------------------------------------------------------------------------------------------
// Bodies

const jsonTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  "application/merge-patch+json",
  "application/vnd.api+json; charset=UTF-8"
)
const ignoredTypes = fc.constantFrom(
  "application/xml",
  "multipart/form-data; boundary=x",
  "text/json",
  "application/octet-stream",
  "text/html",
  ";;;"
)

interface Body {
  readonly bytes: Uint8Array
  readonly contentType: string | undefined
  readonly how: string
}

/** How a body value is put on the wire: JSON (most), a form, text/plain, no or another type. */
const encodeBody = (value: unknown): fc.Arbitrary<Body> => {
  const text = JSON.stringify(value) ?? "null"
  const flat =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
          Array.isArray(v)
            ? v.map((item) => [k, String(item)] as const)
            : [[k, typeof v === "string" ? v : (JSON.stringify(v) ?? "")] as const]
        )
      : undefined
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<Body> }> = [
    {
      weight: 12,
      arbitrary: jsonTypes.map((contentType) => ({ bytes: encoder.encode(text), contentType, how: "json" }))
    },
    {
      weight: 1,
      arbitrary: fc.constant({ bytes: encoder.encode(text), contentType: "text/plain", how: "text/plain" })
    },
    {
      weight: 1,
      arbitrary: fc.constant({ bytes: encoder.encode(text), contentType: undefined, how: "no content-type" })
    },
    {
      weight: 1,
      arbitrary: ignoredTypes.map((contentType) => ({ bytes: encoder.encode(text), contentType, how: "other type" }))
    }
  ]
  if (flat !== undefined)
    options.push({
      weight: 2,
      arbitrary: fc.constant({
        bytes: encoder.encode(new URLSearchParams(flat.map(([k, v]) => [k, v])).toString()),
        contentType: "application/x-www-form-urlencoded",
        how: "form"
      })
    })
  return fc.oneof(...options)
}

const badUtf8 = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80]
)

const insertBytes = (bytes: Uint8Array, at: number, extra: ReadonlyArray<number>): Uint8Array => {
  const i = at % (bytes.byteLength + 1)
  return new Uint8Array([...bytes.subarray(0, i), ...extra, ...bytes.subarray(i)])
}

/** Malformed JSON: truncated, stray characters, JS-only syntax, trailing garbage, invalid UTF-8. */
const corrupt = (text: string): fc.Arbitrary<{ bytes: Uint8Array; why: string }> =>
  fc.oneof(
    fc
      .nat()
      .map((n) => ({ bytes: encoder.encode(text.slice(0, 1 + (n % Math.max(1, text.length - 1)))), why: "truncated" })),
    fc.tuple(fc.nat(), fc.constantFrom(",", "}", "]", ":", "{", '"', "'", "\\", "x", "\u0000", "\n")).map(([n, ch]) => {
      const i = n % (text.length + 1)
      return { bytes: encoder.encode(text.slice(0, i) + ch + text.slice(i)), why: "stray character" }
    }),
    fc
      .constantFrom(
        "{'name': 'x'}",
        '{"name": "x",}',
        '{"name": NaN}',
        '{"name": undefined}',
        "{name: 1}",
        '{"a":1}{"b":2}',
        '{"name":"x"} // c',
        "/* c */ {}",
        '{"name":"\\x41"}',
        '{"name":"\\u12"}',
        '{"name":"a\tb"}',
        "[1,]",
        "{,}",
        '{"name": 01}',
        '{"name": .5}',
        '{"name": +1}',
        '{"name": 1e}',
        "\u00a0{}",
        '{"name":"x"}\u0000'
      )
      .map((s) => ({ bytes: encoder.encode(s), why: "not JSON" })),
    fc
      .constantFrom(" x", "}", "]", ",", "\u2028", "null")
      .map((tail) => ({ bytes: encoder.encode(text + tail), why: "trailing garbage" })),
    fc
      .tuple(fc.nat(), badUtf8)
      .map(([n, bad]) => ({ bytes: insertBytes(encoder.encode(text), n, bad), why: "invalid UTF-8" }))
  )

// ---------------------------------------------------------------------------------------------
// Callers and noise

const otherKeyHeaders = fc.constantFrom(
  `Basic ${Buffer.from("admin:secret").toString("base64")}`,
  `bearer ${keys.admin.key}`,
  `BEARER ${keys.admin.key}`,
  `Token ${keys.admin.key}`,
  keys.admin.key,
  "Bearer",
  `Bearer  ${keys.admin.key}`,
  `Bearer ${keys.admin.key}x`,
  `Bearer${keys.admin.key}`,
  `Bearer ${keys.admin.key.slice(0, -1)}`,
  `Bearer ${directToken}`,
  "Bearer null",
  "Bearer eyJhbGciOiJub25lIn0.e30."
)

const badAuth: fc.Arbitrary<Auth> = fc.oneof(
  fc.constant<Auth>({ _tag: "None" }),
  fc.constant<Auth>({ _tag: "Header", value: "" }),
  otherKeyHeaders.map((value): Auth => ({ _tag: "Header", value })),
  fc
    .string({ minLength: 1, maxLength: 40, unit: "grapheme-ascii" })
    .map((s): Auth => ({ _tag: "Header", value: `Bearer ${s}` })),
  fc.constantFrom<Auth>({ _tag: "Key", key: "reader" }, { _tag: "Key", key: "acme" })
)

const anyAuth: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 17, arbitrary: fc.constant<Auth>({ _tag: "Key", key: "admin" }) },
  { weight: 2, arbitrary: fc.constantFrom<Auth>({ _tag: "Key", key: "reader" }, { _tag: "Key", key: "acme" }) },
  { weight: 1, arbitrary: badAuth }
)

/** Request ids the proxy must echo (usable) or replace (too long, spaces, control or 8-bit characters). */
const requestIds = fc.oneof(
  fc.string({
    minLength: 1,
    maxLength: 40,
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c))
  }),
  fc.constantFrom("a b", "a\tb", "é", "x".repeat(201), "req-\u00ff", "%0d%0aSet-Cookie:%20x=1", "<script>")
)

const noise = fc.record(
  {
    requestId: requestIds,
    language: fc.constantFrom("fr", "de;q=0.5, *", "zz"),
    cookie: fc.constant("session=abc; other=1"),
    forwarded: fc.constantFrom("evil.example", "127.0.0.1, 10.0.0.1")
  },
  { requiredKeys: [] }
)

const noiseHeaders = (n: {
  requestId?: string
  language?: string
  cookie?: string
  forwarded?: string
}): Array<readonly [string, string]> => [
  ...(n.requestId === undefined ? [] : [["x-request-id", n.requestId] as const]),
  ...(n.language === undefined ? [] : [["accept-language", n.language] as const]),
  ...(n.cookie === undefined ? [] : [["cookie", n.cookie] as const]),
  ...(n.forwarded === undefined ? [] : [["x-forwarded-host", n.forwarded] as const])
]

// ---------------------------------------------------------------------------------------------
// Requests

const payloadRoutes = RouteTable.routes.filter((r) => r.endpoint.payload.size > 0)
const queryRoutes = RouteTable.routes.filter((r) => stringQueryKeys(r).length > 0 || r.pagination !== "none")

const payloadAst = (route: RouteTable.Route): Ast =>
  (route.endpoint.payload.get("application/json")!.schemas[0] as { readonly ast: Ast }).ast

/** A query on an operation that takes none: ignored, as Logto ignores it (no pagination on writes). */
const ignoredQuery = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("?page=0", "?page_size=1000&page=-1", "?q=a&q=b", "?x=%ff", "?page=1&page=2", "?")
  }
)

const headersFor = (body: Body | undefined, extra: Array<readonly [string, string]>) => [
  ...(body?.contentType === undefined ? [] : [["content-type", body.contentType] as const]),
  ...extra
]

/** A body with one defect derived from the operation's payload schema, encoded in one of Logto's ways. */
const bodyCase = fc.constantFrom(...payloadRoutes).chain((route) =>
  fc
    .record({
      path: pathOf(route),
      query: ignoredQuery,
      bad: invalidFor(payloadAst(route)),
      auth: anyAuth,
      noise,
      // Now and then the body comes chunked, in small pieces.
      chunked: fc.oneof(
        { weight: 7, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }) }
      )
    })
    .chain(({ path, query, bad, auth, noise, chunked }) =>
      encodeBody(bad.value).map((body): Case => ({
        label: `body: ${route.operationId} ${bad.why} (${body.how})`,
        method: route.method,
        target: `${path}${query}`,
        auth,
        headers: headersFor(body, noiseHeaders(noise)),
        body: body.bytes,
        ...(chunked === undefined ? {} : { chunkBytes: chunked })
      }))
    )
)

/** Malformed or non-UTF-8 JSON bodies. */
const malformedCase = fc.constantFrom(...payloadRoutes).chain((route) =>
  fc
    .record({
      path: pathOf(route),
      value: fc.oneof(
        validFor(payloadAst(route)),
        invalidFor(payloadAst(route)).map((d) => d.value)
      ),
      type: jsonTypes,
      auth: anyAuth,
      noise
    })
    .chain(({ path, value, type, auth, noise }) =>
      corrupt(JSON.stringify(value) ?? "{}").map(({ bytes, why }): Case => ({
        label: `malformed body: ${why}`,
        method: route.method,
        target: path,
        auth,
        headers: [["content-type", type], ...noiseHeaders(noise)],
        body: bytes
      }))
    )
)

/** Bad pagination, repeated query keys, an empty role filter; unknown keys around them. */
const queryCase = fc.constantFrom(...queryRoutes).chain((route) =>
  fc
    .record({
      path: pathOf(route),
      bad: queryDefect(route),
      auth: anyAuth,
      noise,
      head: fc.integer({ min: 0, max: 9 })
    })
    .map(({ path, bad, auth, noise, head }): Case => ({
      label: `query: ${bad.why}`,
      // One in ten as HEAD (answered by the GET route, without a body).
      method: head === 0 ? "HEAD" : "GET",
      target: `${path}${bad.query}`,
      auth,
      headers: noiseHeaders(noise)
    }))
)

const methods = http.METHODS.filter((m) => m !== "CONNECT" && m !== "OPTIONS")

/** A known path with a method it does not serve (405), or a path that is none of the 36 (404). */
const routeCase = fc.constantFrom(...RouteTable.routes).chain((route) =>
  fc
    .record({
      path: pathOf(route),
      auth: anyAuth,
      noise,
      method: fc.constantFrom(...methods),
      mutation: fc.nat(11),
      word: fc.constantFrom("members", "x", "roles", "users", "%75sers", "api", ""),
      index: fc.nat()
    })
    .map(({ path, auth, noise, method, mutation, word, index }): Case => {
      const segments = path.split("/")
      const at = 1 + (index % (segments.length - 1))
      const mutations: Array<[string, string]> = [
        ["other method", path],
        ["other method", path],
        ["other method", path],
        ["extra segment", `${path}/${word}`],
        ["missing segment", segments.filter((_, i) => i !== at).join("/")],
        ["replaced segment", segments.map((s, i) => (i === at ? word : s)).join("/")],
        ["empty segment", segments.map((s, i) => (i === at ? "" : s)).join("/")],
        ["two trailing slashes", `${path}//`],
        ["encoded slash in a literal", path.replace("/organizations", "%2Forganizations")],
        ["prefix", `/v1${path}`],
        ["dot segments", `${path}/../../../oidc/token`],
        ["encoded dot segments", `${path}/%2e%2e/%2E%2E/%2e%2e/__orgkit/requests`]
      ]
      const [why, target] = mutations[mutation]!
      return {
        label: `route: ${why}`,
        method: why === "other method" ? method : route.method,
        target,
        auth,
        headers: noiseHeaders(noise)
      }
    })
)

/** An otherwise plausible request from a caller without a usable key (or without the scope or organization). */
const authCase = fc.constantFrom(...RouteTable.routes).chain((route) =>
  fc
    .record({
      path: pathOf(route),
      auth: badAuth,
      noise,
      value: route.endpoint.payload.size > 0 ? validFor(payloadAst(route)) : fc.constant(undefined)
    })
    .map(({ path, auth, noise, value }): Case => ({
      label: `auth: ${auth._tag === "Key" ? `${auth.key} key` : auth._tag === "None" ? "no header" : "bad header"}`,
      method: route.method,
      target: path,
      auth,
      headers: [
        ...(value === undefined ? [] : [["content-type", "application/json"] as const]),
        ...noiseHeaders(noise)
      ],
      ...(value === undefined ? {} : { body: encoder.encode(JSON.stringify(value)) })
    }))
)

/**
 * Invalid requests of every generated kind; each one is bad input (the oracle says the proxy
 * must reject it).
 */
export const badRequest: fc.Arbitrary<Case> = fc
  .oneof(
    { weight: 30, arbitrary: bodyCase },
    { weight: 12, arbitrary: malformedCase },
    { weight: 22, arbitrary: queryCase },
    { weight: 16, arbitrary: routeCase },
    { weight: 10, arbitrary: authCase }
  )
  .filter((c) => expected(c)._tag === "Reject")
