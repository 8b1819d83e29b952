/**
 * Hand-written nasty requests: huge and endless bodies, deeply nested JSON, invalid UTF-8, content
 * types, encoded path tricks, NUL, very long ids, header injection, unknown methods, absurd
 * `Content-Length`, and raw bytes that only a socket can send.
 *
 * Three kinds:
 * - `cases`: sent with `node:http`, judged by the oracle like the generated ones;
 * - `forwarded`: requests the proxy must pass on (Logto decides and answers a 4xx): the caller
 *   must get exactly the fake's answer, through exactly one upstream request on one of the 36 routes;
 * - `raw`: bytes on a socket. Either refused by Node's HTTP parser before any application code
 *   (as Logto's own Node server refuses them: the answer must be the one the fake's Node server
 *   gives, and nothing may reach Logto), or parsed and answered by the proxy (a Logto-shaped 4xx).
 */
import { Validation } from "@orgkit/core"
import { Demo } from "@orgkit/testing"
import type { Case } from "./oracle.ts"
import { keys } from "./stack.ts"

const { ids } = Demo
const encoder = new TextEncoder()
const mib = Validation.maxBodyBytes
const acme = `/api/organizations/${ids.organizations.acme}`
const admin = { _tag: "Key", key: "admin" } as const
const json = [["content-type", "application/json"]] as const

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...encoder.encode(p)] : [...p])))

/** A JSON text of exactly `size` bytes: `{"name":"","pad":"aaa…"}` (an empty name: 400, not 413). */
const paddedTo = (size: number): Uint8Array => {
  const head = '{"name":"","pad":"'
  const tail = '"}'
  return encoder.encode(head + "a".repeat(size - head.length - tail.length) + tail)
}

const deep = (levels: number, open: string, close: string, inner = "1") =>
  encoder.encode(open.repeat(levels) + inner + close.repeat(levels))

const post = (
  label: string,
  target: string,
  body: Uint8Array,
  headers: ReadonlyArray<readonly [string, string]> = json,
  method = "POST"
): Case => ({
  label: `nasty: ${label}`,
  method,
  target,
  auth: admin,
  headers,
  body
})

const get = (label: string, target: string, headers: ReadonlyArray<readonly [string, string]> = []): Case => ({
  label: `nasty: ${label}`,
  method: "GET",
  target,
  auth: admin,
  headers
})

/** Hand-written bad input judged by the oracle. */
export const cases: ReadonlyArray<Case> = [
  // Sizes: the limit is 1 MiB inclusive.
  post("a body of exactly 1 MiB (parsed: empty name)", "/api/organizations", paddedTo(mib)),
  post("a body of 1 MiB + 1 byte", "/api/organizations", paddedTo(mib + 1)),
  post("a 5 MiB body", "/api/organizations", paddedTo(5 * mib)),
  {
    ...post("a 1 MiB + 1 chunked body (no Content-Length)", "/api/organizations", paddedTo(mib + 1)),
    chunkBytes: 65_536
  },
  { ...post("an 8 MiB chunked body", `${acme}/users`, paddedTo(8 * mib), json, "PUT"), chunkBytes: 262_144 },
  post("a 3 MiB form body", "/api/organizations", encoder.encode(`name=${"a".repeat(3 * mib)}`), [
    ["content-type", "application/x-www-form-urlencoded"]
  ]),
  post("a 2 MiB text/plain body", `${acme}/jit/roles`, encoder.encode("x".repeat(2 * mib)), [
    ["content-type", "text/plain"]
  ]),
  { ...get("a 2 MiB body on a GET (ignored) with a bad page", "/api/organizations?page=0"), body: paddedTo(2 * mib) },
  { ...post("a 2 MiB body, no key", "/api/organizations", paddedTo(2 * mib)), auth: { _tag: "None" } },
  {
    ...post("a 2 MiB body, read-only key", "/api/organizations", paddedTo(2 * mib)),
    auth: { _tag: "Key", key: "reader" }
  },
  // Answered before the body is read (401/403): the caller, still writing, must get the answer.
  { ...post("a 6 MiB body, no key", "/api/organizations", paddedTo(6 * mib)), auth: { _tag: "None" } },
  {
    ...post("a 6 MiB body, read-only key", `${acme}/users`, paddedTo(6 * mib)),
    auth: { _tag: "Key", key: "reader" }
  },
  // Deeply nested JSON.
  post("an array nested 100k levels at the root", "/api/organizations", deep(100_000, "[", "]")),
  post("an object nested 100k levels at the root", "/api/organizations", deep(100_000, '{"a":', "}")),
  post(
    "a name nested 100k levels",
    "/api/organizations",
    encoder.encode(`{"name":${"[".repeat(100_000)}${"]".repeat(100_000)}}`)
  ),
  post(
    "userIds nested 100k levels",
    `${acme}/users`,
    encoder.encode(`{"userIds":[${"[".repeat(100_000)}${"]".repeat(100_000)}]}`)
  ),
  post(
    "customData nested 100k levels, no name",
    "/api/organizations",
    encoder.encode(`{"customData":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`)
  ),
  post("100k unclosed brackets", "/api/organizations", encoder.encode("[".repeat(100_000))),
  post("1M unclosed braces (under 1 MiB)", "/api/organizations", encoder.encode('{"a":'.repeat(200_000))),
  post(
    "a 100k-element array of bad ids",
    `${acme}/users`,
    encoder.encode(`{"userIds":[${Array(100_000).fill("1").join(",")}]}`)
  ),
  // Invalid UTF-8 (decoded with U+FFFD as Logto's body parser does).
  post("invalid UTF-8 only", "/api/organizations", bytes([0xff, 0xfe, 0xfd])),
  post("invalid UTF-8 between tokens", "/api/organizations", bytes('{"name":"x"', [0xff], "}")),
  post("invalid UTF-8 in a key", "/api/organizations", bytes('{"na', [0xc3, 0x28], 'me":"x"}')),
  post(
    "invalid UTF-8 in a wrong-typed field",
    "/api/organizations",
    bytes('{"name":1,"description":"', [0xed, 0xa0, 0x80], '"}')
  ),
  post("a truncated UTF-8 sequence at the end", `${acme}/jit/email-domains`, bytes('{"emailDomain":"', [0xe2, 0x82])),
  post("overlong UTF-8 slash in an empty list", `${acme}/users`, bytes('{"userIds":[],"x":"', [0xc0, 0xaf], '"}')),
  post(
    "a UTF-16LE body",
    "/api/organizations",
    new Uint8Array([0xff, 0xfe, ...[...'{"name":1}'].flatMap((c) => [c.charCodeAt(0), 0])])
  ),
  post("a UTF-8 BOM before an array", "/api/organizations", bytes([0xef, 0xbb, 0xbf], "[]")),
  post("invalid UTF-8 in a form", "/api/organizations", bytes("name=", [0xff], "&name=b"), [
    ["content-type", "application/x-www-form-urlencoded"]
  ]),
  // Content types.
  post("JSON declared as UTF-16", "/api/organizations", encoder.encode('{"name":""}'), [
    ["content-type", "application/json; charset=utf-16"]
  ]),
  post("a +json type with a scalar", "/api/organizations", encoder.encode("42"), [
    ["content-type", "application/problem+json"]
  ]),
  post("upper-case type with spaces", "/api/organizations", encoder.encode("null"), [
    ["content-type", "APPLICATION/JSON ; charset=utf-8"]
  ]),
  post("a form with an empty name", "/api/organizations", encoder.encode("name="), [
    ["content-type", "application/x-www-form-urlencoded"]
  ]),
  post("a form with a repeated name", "/api/organizations", encoder.encode("name=a&name=b"), [
    ["content-type", "application/x-www-form-urlencoded"]
  ]),
  post("a form with a string for a list", `${acme}/users`, encoder.encode("userIds=alice0000001"), [
    ["content-type", "application/x-www-form-urlencoded; charset=utf-8"]
  ]),
  post(
    "multipart for a required body",
    "/api/organizations",
    encoder.encode('--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nAcme\r\n--x--'),
    [["content-type", "multipart/form-data; boundary=x"]]
  ),
  post("text/plain JSON", `${acme}/users/roles`, encoder.encode('{"userIds":["a"],"organizationRoleIds":["b"]}'), [
    ["content-type", "text/plain"]
  ]),
  post(
    "no content type",
    `${acme}/applications/roles`,
    encoder.encode('{"applicationIds":["a"],"organizationRoleIds":["b"]}'),
    []
  ),
  post("an empty JSON body", `${acme}/jit/sso-connectors`, new Uint8Array(0)),
  post("whitespace only", `${acme}/jit/email-domains`, encoder.encode(" \n\t ")),
  post("a bare JSON string", "/api/organizations", encoder.encode('"Acme"')),
  post("JSON true", `${acme}/users`, encoder.encode("true"), json, "PUT"),
  // Values at the edge of the schemas.
  post("a 129-character name", "/api/organizations", encoder.encode(JSON.stringify({ name: "n".repeat(129) }))),
  post(
    "a 257-character description",
    "/api/organizations",
    encoder.encode(JSON.stringify({ name: "x", description: "d".repeat(257) }))
  ),
  post(
    "a 22-character tenantId",
    "/api/organizations",
    encoder.encode(JSON.stringify({ name: "x", tenantId: "t".repeat(22) }))
  ),
  post(
    "a 4-digit color",
    "/api/organizations",
    encoder.encode(JSON.stringify({ name: "x", color: { primaryColor: "#1234" } }))
  ),
  post(
    "a relative logo URL",
    "/api/organizations",
    encoder.encode(JSON.stringify({ name: "x", branding: { logoUrl: "/logo.png" } }))
  ),
  post("customData as an array", acme, encoder.encode(JSON.stringify({ customData: [1] })), json, "PATCH"),
  post("name null in PATCH", acme, encoder.encode(JSON.stringify({ name: null })), json, "PATCH"),
  post("a string createdAt", acme, encoder.encode(JSON.stringify({ createdAt: "2026-01-01" })), json, "PATCH"),
  post(
    "an empty role id in a list",
    `${acme}/users/${ids.users.alice}/roles`,
    encoder.encode(JSON.stringify({ organizationRoleIds: [""] })),
    json,
    "PUT"
  ),
  post(
    "an empty application role list",
    `${acme}/applications/${ids.applications.billing}/roles`,
    encoder.encode(JSON.stringify({ organizationRoleIds: [] })),
    json,
    "PUT"
  ),
  post(
    "emailDomains of numbers",
    `${acme}/jit/email-domains`,
    encoder.encode(JSON.stringify({ emailDomains: [1] })),
    json,
    "PUT"
  ),
  post("__proto__ as the body", "/api/organizations", encoder.encode('{"__proto__":{"name":"x"}}')),
  post("a duplicate key, the last one empty", "/api/organizations", encoder.encode('{"name":"Acme","name":""}')),
  // Query strings.
  get("page=0.5 (Logto: 500)", "/api/organizations?page=0.5"),
  get("page=-0.5&page_size=2", `${acme}/users?page=-0.5&page_size=2`),
  get("page=1e400", `${acme}/applications?page=1e400`),
  get("page_size=2.5", `${acme}/jit/roles?page_size=2.5`),
  get("page=%00", "/api/organizations?page=%00"),
  get("page=1&page=1", `${acme}/jit/email-domains?page=1&page=1`),
  get("page_size=100&page_size=", `${acme}/jit/sso-connectors?page_size=100&page_size=`),
  get("50 repeated q", `/api/organizations?${Array(50).fill("q=a").join("&")}`),
  get("q repeated with page", `${acme}/users?q=a&page=1&q=b`),
  get("showFeatured twice", "/api/organizations?showFeatured=1&showFeatured=1"),
  get("organizationRoleId= (empty)", `${acme}/users?organizationRoleId=`),
  get("organizationRoleId twice", `${acme}/users?organizationRoleId=a&organizationRoleId=b`),
  get("a bad page after 8 KB of query", `/api/organizations?x=${"y".repeat(8_000)}&page=abc`),
  get("percent-encoded CR/LF in the query", "/api/organizations?page=%0d%0aSet-Cookie:%20x=1"),
  get("page in a fragment-looking key", "/api/organizations?page%3D1=1&page=x"),
  // Encoded path tricks answered by routing.
  get("an encoded slash in a literal", "/api/organizations%2F" + ids.organizations.acme),
  get("dot segments to the token endpoint", `${acme}/users/../../../oidc/token`),
  get("encoded dot segments to the control API", `${acme}/%2e%2e/%2E%2E/%2e%2e/__orgkit/requests`),
  get("mixed dot segments", `${acme}/users/.%2e/%2e./%2E%2E/x`),
  get("dot segments to /api/users", `${acme}/../../users`),
  get("double slash", "/api//organizations"),
  get("three trailing slashes", `${acme}///`),
  get("a NUL segment between literals", "/api/organizations/%00/users/%00/roles/%00/x"),
  get("an encoded question mark in a literal", "/api/organizations%3Fpage=1"),
  {
    ...get(
      "TRACE on a known path (405; undetermined: Logto's koa-router most likely answers 501, the proxy keeps it a 4xx)",
      acme
    ),
    method: "TRACE"
  },
  {
    ...get(
      "PROPFIND on a known path (405; undetermined: Logto's koa-router most likely answers 501, the proxy keeps it a 4xx)",
      acme
    ),
    method: "PROPFIND"
  },
  { ...get("SEARCH on the list", "/api/organizations"), method: "SEARCH" },
  { ...get("PURGE on an unknown path", "/api/nothing"), method: "PURGE" },
  { ...get("DELETE on the organization list", "/api/organizations"), method: "DELETE" },
  { ...get("POST on an email domain", `${acme}/jit/email-domains/acme.example`), method: "POST" },
  // Bad input on top of a very long id: validation comes before Logto ever sees the id.
  post(
    "a 10,000-character id with a bad body",
    `/api/organizations/${"x".repeat(10_000)}`,
    encoder.encode('{"name":""}'),
    json,
    "PATCH"
  ),
  get("a 10,000-character id with a bad page", `/api/organizations/${"x".repeat(10_000)}/users?page=0`),
  // Header injection attempts that a client library lets through: the values are echoed nowhere.
  get("a request id with a percent-encoded CR/LF", "/api/organizations?page=x", [
    ["x-request-id", "%0d%0aSet-Cookie: x=1"]
  ]),
  get("a 201-character request id", "/api/organizations?page=x", [["x-request-id", "r".repeat(201)]]),
  get("an 8-bit request id", "/api/organizations?page=x", [["x-request-id", "r\u00e9q"]]),
  get("Host of another site", "/api/organizations?page=x", [["host", "evil.example"]]),
  {
    ...get("an Authorization with a trailing tab", "/api/organizations?page=x"),
    auth: { _tag: "Header", value: `Bearer ${keys.admin.key}\t` }
  }
]

/** A request the proxy passes on; Logto (the fake) rejects it with a 4xx. */
export interface Forwarded {
  readonly case: Case
  /** The path the proxy must send upstream: the same segments once percent-decoded (the encoding may differ). */
  readonly upstreamPath: string
}

const forward = (label: string, target: string, upstreamPath: string, method = "GET", body?: unknown): Forwarded => ({
  case: {
    label: `forwarded: ${label}`,
    method,
    target,
    auth: admin,
    ...(body === undefined
      ? {}
      : {
          headers: json,
          body:
            typeof body === "string"
              ? encoder.encode(body)
              : body instanceof Uint8Array
                ? body
                : encoder.encode(JSON.stringify(body))
        })
  },
  upstreamPath
})

const longDots = ".".repeat(15_000)
const longColons = ":".repeat(15_000)

/** Requests the proxy must forward, whose answer is Logto's 4xx. */
export const forwarded: ReadonlyArray<Forwarded> = [
  forward("an encoded slash in an id", "/api/organizations/a%2Fb", "/api/organizations/a%2Fb"),
  forward("an encoded slash before users", `${acme}%2Fusers%2F`, `${acme}%2Fusers%2F`),
  forward("a double-encoded slash", "/api/organizations/a%252Fb", "/api/organizations/a%252Fb"),
  forward(
    "an encoded dot-dot id",
    "/api/organizations/..%2F..%2Foidc%2Ftoken",
    "/api/organizations/%2E%2E%2F%2E%2E%2Foidc%2Ftoken"
  ),
  forward("a NUL id", "/api/organizations/%00", "/api/organizations/%00"),
  forward("an invalid escape (kept verbatim)", "/api/organizations/%E0%A4%A", "/api/organizations/%25E0%25A4%25A"),
  forward("%ff (not UTF-8)", "/api/organizations/%ff", "/api/organizations/%25ff"),
  forward(
    "an encoded CR/LF header in an id",
    "/api/organizations/%0d%0aX-Injected:%201",
    "/api/organizations/%0D%0AX-Injected%3A%201"
  ),
  forward("a 5,000-character id", `/api/organizations/${"x".repeat(5_000)}`, `/api/organizations/${"x".repeat(5_000)}`),
  forward(
    "a 2,000-character non-ASCII id",
    `/api/organizations/${"%C3%BC".repeat(2_000)}`,
    `/api/organizations/${"%C3%BC".repeat(2_000)}`
  ),
  forward("a 5,000-dot id", `/api/organizations/${".".repeat(5_000)}`, `/api/organizations/${"%2E".repeat(5_000)}`),
  forward(
    "a 15,000-dot id (15 KB request)",
    `/api/organizations/${longDots}`,
    `/api/organizations/${"%2E".repeat(15_000)}`
  ),
  forward(
    "a 15,000-colon id (15 KB request)",
    `/api/organizations/${longColons}`,
    `/api/organizations/${"%3A".repeat(15_000)}`
  ),
  forward(
    "DELETE of a 3,000-character id",
    `/api/organizations/${"d".repeat(3_000)}`,
    `/api/organizations/${"d".repeat(3_000)}`,
    "DELETE"
  ),
  forward(
    "PATCH of a missing organization with an invalid UTF-8 name",
    "/api/organizations/missing00001",
    "/api/organizations/missing00001",
    "PATCH",
    bytes('{"name":"', [0xff], '"}')
  ),
  forward(
    "users of a 22-character organization id",
    `/api/organizations/${"o".repeat(22)}/users`,
    `/api/organizations/${"o".repeat(22)}/users`,
    "POST",
    { userIds: [ids.users.alice] }
  ),
  forward(
    "a JIT role of a missing organization",
    "/api/organizations/missing00001/jit/roles",
    "/api/organizations/missing00001/jit/roles"
  ),
  forward("an email domain of 129 characters", `${acme}/jit/email-domains`, `${acme}/jit/email-domains`, "POST", {
    emailDomain: "d".repeat(129)
  }),
  forward("roles of a non-member", `${acme}/users/${ids.users.carol}/roles`, `${acme}/users/${ids.users.carol}/roles`),
  forward("a duplicate email domain", `${acme}/jit/email-domains`, `${acme}/jit/email-domains`, "POST", {
    emailDomain: "acme.example"
  })
]

/** What a raw exchange must produce. */
export type RawExpectation =
  /** Refused by Node's HTTP parser (or Node's server) before any application code: the same answer as the fake's Node server. */
  | { readonly _tag: "Parser" }
  /** Parsed and answered by the proxy: judged by the oracle on `equivalent` (what the app sees). */
  | { readonly _tag: "App"; readonly equivalent: Case }
  /** Parsed and answered by the proxy: a Logto-shaped 4xx (no exact answer is written down for it). */
  | { readonly _tag: "Shaped" }
  /** The client hangs up mid-request: no answer can arrive; nothing may reach Logto or be logged as a proxy error. */
  | { readonly _tag: "HangUp" }

/** Raw bytes on a socket. */
export interface Raw {
  readonly label: string
  /** The bytes, given the `Authorization` header line to use (with CRLF) — the proxy's key or the fake's token. */
  readonly bytes: (authorization: string) => Uint8Array | ReadonlyArray<Uint8Array>
  readonly expect: RawExpectation
  readonly isHead?: boolean
}

const crlf = "\r\n"
const line = (method: string, target: string, version = "HTTP/1.1") => `${method} ${target} ${version}${crlf}`
const host = `Host: 127.0.0.1${crlf}`
const close = `Connection: close${crlf}`

const raw = (label: string, expect: RawExpectation, bytes: Raw["bytes"], isHead = false): Raw => ({
  label: `raw: ${label}`,
  bytes,
  expect,
  ...(isHead ? { isHead } : {})
})

const parser: RawExpectation = { _tag: "Parser" }
const shaped: RawExpectation = { _tag: "Shaped" }
const app = (equivalent: Omit<Case, "label" | "auth"> & { auth?: Case["auth"] }): RawExpectation => ({
  _tag: "App",
  equivalent: { label: "raw", auth: admin, ...equivalent }
})

/** Raw requests. */
export const raws: ReadonlyArray<Raw> = [
  // Refused by Node's parser, as by Logto's Node server.
  raw("NUL in the path", parser, (a) =>
    bytes(`GET /api/organizations/a`, [0], `b HTTP/1.1${crlf}${host}${a}${close}${crlf}`)
  ),
  raw("raw 8-bit bytes in the path", parser, (a) =>
    bytes(`GET /api/organizations/`, [0xff, 0xfe], ` HTTP/1.1${crlf}${host}${a}${close}${crlf}`)
  ),
  raw("a space in the path", parser, (a) => bytes(line("GET", "/api/organizations/a b") + host + a + close + crlf)),
  raw("a control character in the path", parser, (a) =>
    bytes(`GET /api/organizations/`, [1], ` HTTP/1.1${crlf}${host}${a}${close}${crlf}`)
  ),
  raw("a bare LF inside a header value", parser, (a) =>
    bytes(line("GET", acme) + host + a + `X-Request-Id: a\nX-Injected: 1${crlf}` + close + crlf)
  ),
  raw("a bare CR inside a header value", parser, (a) =>
    bytes(line("GET", acme) + host + a + `X-Request-Id: a\rX-Injected: 1${crlf}` + close + crlf)
  ),
  raw("an obs-fold continuation line", parser, (a) =>
    bytes(line("GET", acme) + host + a + `X-Request-Id: a${crlf} X-Injected: 1${crlf}` + close + crlf)
  ),
  raw("NUL in a header value", parser, (a) =>
    bytes(line("GET", acme) + host + a + "X-Request-Id: a", [0], crlf + close + crlf)
  ),
  raw("a space in a header name", parser, (a) =>
    bytes(line("GET", acme) + host + a + `X Injected: 1${crlf}` + close + crlf)
  ),
  raw("an empty header name", parser, (a) => bytes(line("GET", acme) + host + a + `: 1${crlf}` + close + crlf)),
  raw("two different Content-Lengths", parser, (a) =>
    bytes(
      line("POST", "/api/organizations") +
        host +
        a +
        "Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n" +
        close +
        crlf +
        "{}"
    )
  ),
  raw("Content-Length with Transfer-Encoding", parser, (a) =>
    bytes(
      line("POST", "/api/organizations") +
        host +
        a +
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n" +
        close +
        crlf +
        "0\r\n\r\n"
    )
  ),
  raw("a negative Content-Length", parser, (a) =>
    bytes(line("POST", "/api/organizations") + host + a + "Content-Length: -1\r\n" + close + crlf + "{}")
  ),
  raw("a non-numeric Content-Length", parser, (a) =>
    bytes(line("POST", "/api/organizations") + host + a + "Content-Length: 1e3\r\n" + close + crlf + "{}")
  ),
  raw("a 30-digit Content-Length", parser, (a) =>
    bytes(line("POST", "/api/organizations") + host + a + `Content-Length: ${"9".repeat(30)}\r\n` + close + crlf + "{}")
  ),
  raw("a bad chunk size", parser, (a) =>
    bytes(
      line("POST", "/api/organizations") +
        host +
        a +
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
        close +
        crlf +
        "zz\r\n{}\r\n0\r\n\r\n"
    )
  ),
  raw("an unknown method token", parser, (a) => bytes(line("FOO", acme) + host + a + close + crlf)),
  raw("a lower-case method", parser, (a) => bytes(line("get", acme) + host + a + close + crlf)),
  raw("HTTP/1.1 without Host", parser, (a) => bytes(line("GET", acme) + a + close + crlf)),
  raw("HTTP/9.9", parser, (a) => bytes(line("GET", acme, "HTTP/9.9") + host + a + close + crlf)),
  raw("an HTTP/2 preface", parser, () => bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")),
  raw("a TLS ClientHello", parser, () => bytes([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])),
  raw("headers over 16 KiB", parser, (a) =>
    bytes(line("GET", acme) + host + a + `X-Big: ${"a".repeat(20_000)}${crlf}` + close + crlf)
  ),
  raw("a request line over 16 KiB", parser, (a) =>
    bytes(line("GET", `/api/organizations/${"a".repeat(20_000)}`) + host + a + close + crlf)
  ),
  raw("10,000 header lines", parser, (a) =>
    bytes(line("GET", acme) + host + a + "X-A: 1\r\n".repeat(10_000) + close + crlf)
  ),
  raw("CONNECT (Node closes the connection, as under Logto)", parser, (a) =>
    bytes(line("CONNECT", "127.0.0.1:443") + host + a + crlf)
  ),
  // Parsed by Node and answered by the proxy.
  raw(
    "an absurd Content-Length on a write",
    app({ method: "POST", target: "/api/organizations", headers: [["content-length", "99999999999999"]] }),
    (a) =>
      bytes(
        line("POST", "/api/organizations") +
          host +
          a +
          "Content-Type: application/json\r\nContent-Length: 99999999999999\r\n" +
          close +
          crlf +
          "{}"
      )
  ),
  raw(
    "Content-Length 1 MiB + 1, body never sent",
    app({ method: "PUT", target: `${acme}/users`, headers: [["content-length", String(mib + 1)]] }),
    (a) =>
      bytes(
        line("PUT", `${acme}/users`) +
          host +
          a +
          `Content-Type: application/json\r\nContent-Length: ${mib + 1}\r\n` +
          close +
          crlf +
          "{"
      )
  ),
  raw("an absurd Content-Length on a GET", app({ method: "GET", target: "/api/organizations?page=0" }), (a) =>
    bytes(
      line("GET", "/api/organizations?page=0") + host + a + "Content-Length: 99999999999999\r\n" + close + crlf + "{}"
    )
  ),
  raw(
    "a short body for its Content-Length, no key",
    app({ method: "POST", target: "/api/organizations", auth: { _tag: "None" } }),
    () =>
      bytes(
        line("POST", "/api/organizations") +
          host +
          "Content-Type: application/json\r\nContent-Length: 100\r\n" +
          close +
          crlf +
          "{}"
      )
  ),
  raw(
    "Expect: 100-continue with a 5 MiB Content-Length",
    app({ method: "POST", target: "/api/organizations", headers: [["content-length", String(5 * mib)]] }),
    (a) =>
      bytes(
        line("POST", "/api/organizations") +
          host +
          a +
          `Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${5 * mib}\r\n` +
          close +
          crlf
      )
  ),
  raw("an unknown Expect", parser, (a) =>
    bytes(
      line("POST", "/api/organizations") +
        host +
        a +
        "Content-Type: application/json\r\nExpect: 200-ok\r\nContent-Length: 2\r\n" +
        close +
        crlf +
        "{}"
    )
  ),
  raw("TRACE", app({ method: "TRACE", target: acme }), (a) => bytes(line("TRACE", acme) + host + a + close + crlf)),
  raw(
    "HEAD with a bad page",
    app({ method: "HEAD", target: "/api/organizations?page=0" }),
    (a) => bytes(line("HEAD", "/api/organizations?page=0") + host + a + close + crlf),
    true
  ),
  raw("HTTP/1.0 without Host, bad page", app({ method: "GET", target: "/api/organizations?page=abc" }), (a) =>
    bytes(line("GET", "/api/organizations?page=abc", "HTTP/1.0") + a + crlf)
  ),
  raw(
    "an absolute-form target of another host, bad page",
    app({ method: "GET", target: "/api/organizations?page=abc" }),
    (a) => bytes(line("GET", "http://evil.example/api/organizations?page=abc") + host + a + close + crlf)
  ),
  raw("an asterisk target", shaped, (a) => bytes(line("GET", "*") + host + a + close + crlf)),
  raw(
    "an injected Set-Cookie line is only a request header",
    app({ method: "GET", target: "/api/organizations?page=abc", headers: [["x-request-id", "a"]] }),
    (a) =>
      bytes(
        line("GET", "/api/organizations?page=abc") +
          host +
          a +
          "X-Request-Id: a\r\nSet-Cookie: injected=1\r\n" +
          close +
          crlf
      )
  ),
  raw("an 8-bit request id", app({ method: "GET", target: "/api/organizations?page=abc" }), (a) =>
    bytes(
      line("GET", "/api/organizations?page=abc") + host + a + "X-Request-Id: r",
      [0xc3, 0xa9, 0xff],
      crlf + close + crlf
    )
  ),
  raw(
    "an 8-bit bearer token",
    app({ method: "GET", target: acme, auth: { _tag: "Header", value: "Bearer \u00c3\u00a9\u00ff" } }),
    () => bytes(line("GET", acme) + host + "Authorization: Bearer ", [0xc3, 0xa9, 0xff], crlf + close + crlf)
  ),
  raw("two Authorization headers", shaped, (a) =>
    bytes(line("GET", "/api/organizations?page=abc") + host + a + `Authorization: Bearer other${crlf}` + close + crlf)
  ),
  raw(
    "a chunked body over 1 MiB with chunk extensions",
    app({ method: "POST", target: "/api/organizations", body: paddedTo(mib + 10) }),
    (a) => {
      const body = paddedTo(mib + 10)
      const head = bytes(
        line("POST", "/api/organizations") +
          host +
          a +
          "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
          close +
          crlf
      )
      const chunks: Array<Uint8Array> = [head]
      for (let at = 0; at < body.byteLength; at += 100_000) {
        const part = body.subarray(at, at + 100_000)
        chunks.push(bytes(`${part.byteLength.toString(16)};ext=1${crlf}`), part, bytes(crlf))
      }
      chunks.push(bytes(`0${crlf}${crlf}`))
      return chunks
    }
  ),
  // Clients that go away mid-request.
  raw("a client hanging up in the middle of a JSON body", { _tag: "HangUp" }, (a) =>
    bytes(
      line("POST", "/api/organizations") +
        host +
        a +
        "Content-Type: application/json\r\nContent-Length: 100\r\n" +
        crlf +
        '{"name":'
    )
  ),
  raw("a client hanging up in the middle of a chunked body", { _tag: "HangUp" }, (a) =>
    bytes(
      line("PUT", `${acme}/users`) +
        host +
        a +
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
        crlf +
        '8\r\n{"userId\r\n'
    )
  ),
  raw("a client hanging up after the headers of a write", { _tag: "HangUp" }, (a) =>
    bytes(line("PATCH", acme) + host + a + "Content-Type: application/json\r\nContent-Length: 10\r\n" + crlf)
  ),
  // Adapter-level refusals: the request parses, but the Node adapter refuses it before the app.
  raw("a backslash in the path", shaped, (a) =>
    bytes(line("GET", "/api/organizations/a\\b") + host + a + close + crlf)
  ),
  raw("a backslash with a bad page", shaped, (a) =>
    bytes(line("GET", "/api/organizations\\?page=0") + host + a + close + crlf)
  ),
  raw("a Host header with a slash", shaped, (a) =>
    bytes(line("GET", "/api/organizations?page=abc") + `Host: evil/x${crlf}` + a + close + crlf)
  ),
  raw("a Host header with an invalid port", shaped, (a) =>
    bytes(line("GET", "/api/organizations?page=abc") + `Host: 127.0.0.1:99999${crlf}` + a + close + crlf)
  )
]
