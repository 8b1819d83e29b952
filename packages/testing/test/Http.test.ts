import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { ids, world } from "./fixtures/world.ts"
import { logtoError, setup } from "./helpers.ts"

const { fake, call } = setup()
beforeEach(() => fake.reset(world))
afterAll(() => fake.dispose())

const base = `/api/organizations/${ids.org}`

describe("authentication", () => {
  it("answers 401 auth.authorization_header_missing without a header", async () => {
    const r = await call("GET", "/api/organizations", { token: null })
    expect(r.status).toBe(401)
    expect(r.body).toEqual(logtoError("auth.authorization_header_missing", "Authorization header is missing."))
  })

  it("treats an empty Authorization header as missing, as koaAuth does", async () => {
    const r = await call("GET", "/api/organizations", { headers: { authorization: "" } })
    expect(r.status).toBe(401)
    expect(r.body).toEqual(logtoError("auth.authorization_header_missing", "Authorization header is missing."))
  })

  it("answers 401 auth.authorization_token_type_not_supported with supportedTypes for other schemes", async () => {
    for (const authorization of ["Basic abc", "bearer x", "Token x"]) {
      const r = await call("GET", "/api/organizations", { headers: { authorization } })
      expect(r.status).toBe(401)
      expect(r.body).toEqual(
        logtoError("auth.authorization_token_type_not_supported", "Authorization type is not supported.", {
          supportedTypes: ["Bearer"]
        })
      )
    }
  })

  it("answers 401 auth.unauthorized with the JOSE error for an unknown, empty or space-prefixed token", async () => {
    const message = "Unauthorized. Please check credentials and its scope."
    expect((await call("GET", "/api/organizations", { token: "nope" })).body).toEqual(
      logtoError("auth.unauthorized", message, { code: "ERR_JWS_INVALID", name: "JWSInvalid" })
    )
    expect((await call("GET", "/api/organizations", { headers: { authorization: "Bearer" } })).body.data).toEqual({
      code: "ERR_JWS_INVALID",
      name: "JWSInvalid"
    })
    expect(
      (await call("GET", "/api/organizations", { headers: { authorization: `Bearer  ${fake.token}` } })).body.data
    ).toEqual({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
      name: "JWSSignatureVerificationFailed"
    })
  })

  it("answers 403 auth.forbidden for a token without scope all", async () => {
    const limited = setup({ tokens: [{ token: "no-scope", scopes: [] }] })
    const r = await limited.call("GET", "/api/organizations")
    expect(r.status).toBe(403)
    expect(r.body).toEqual(logtoError("auth.forbidden", "Forbidden. Please check your user roles and permissions."))
    await limited.fake.dispose()
  })

  it("checks auth before validation and before If-None-Match", async () => {
    expect((await call("POST", "/api/organizations", { token: null, body: { name: "" } })).status).toBe(401)
    expect((await call("GET", "/api/organizations", { token: null, headers: { "if-none-match": "*" } })).status).toBe(
      401
    )
  })
})

describe("routing", () => {
  it("answers an unknown path with a plain-text 404, without a token", async () => {
    for (const path of [
      `${base}/members`,
      `${base}/users/${ids.u1}/roles/x/y`,
      "/api/organizations//users",
      "/nothing"
    ]) {
      const r = await call("GET", path, { token: null })
      expect(r.status).toBe(404)
      expect(r.text).toBe("Not Found")
      expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    }
  })

  it("answers 405 with Allow before auth", async () => {
    const r = await call("PATCH", `${base}/users`, { token: null })
    expect(r.status).toBe(405)
    expect(r.text).toBe("Method Not Allowed")
    expect(r.headers.get("allow")).toBe("HEAD, GET, POST, PUT")
    expect((await call("PUT", "/api/organizations", { token: null })).headers.get("allow")).toBe("POST, HEAD, GET")
    expect((await call("GET", `${base}/users/${ids.u1}`, { token: null })).headers.get("allow")).toBe("DELETE")
  })

  it("answers OPTIONS with 200, Allow and an empty body, without a token", async () => {
    const r = await call("OPTIONS", `/api/organizations/${ids.org}`, { token: null })
    expect(r.status).toBe(200)
    expect(r.text).toBe("")
    expect(r.headers.get("allow")).toBe("HEAD, GET, PATCH, DELETE")
    expect(r.headers.get("access-control-allow-origin")).toBeNull()
  })

  it("routes a trailing slash like the path without it, keeping it in Link", async () => {
    const r = await call("GET", "/api/organizations/?page_size=1")
    expect(r.status).toBe(200)
    expect(r.headers.get("link")).toContain("/organizations/?page_size=1&page=1>")
  })

  it("percent-decodes path parameters; an invalid escape is used verbatim", async () => {
    expect(
      (await call("GET", `/api/organizations/${ids.org.slice(0, 3)}%3${ids.org.charCodeAt(3) - 48}${ids.org.slice(4)}`))
        .status
    ).toBe(200)
    const bad = await call("GET", "/api/organizations/%E0%A4%A")
    expect(bad.status).toBe(404)
    expect(bad.body.message).toBe("The organizations with ID `%E0%A4%A` does not exist.")
    const slash = await call("GET", "/api/organizations/a%2Fb")
    expect(slash.body.message).toBe("The organizations with ID `a/b` does not exist.")
  })

  it("answers HEAD like GET without a body and without ETag", async () => {
    const get = await call("GET", `${base}/users`)
    const head = await call("HEAD", `${base}/users`)
    expect(head.status).toBe(200)
    expect(head.text).toBe("")
    expect(head.headers.get("etag")).toBeNull()
    expect(head.headers.get("content-length")).toBe(String(new TextEncoder().encode(get.text).byteLength))
    expect(head.headers.get("total-number")).toBe("3")
    expect(head.headers.get("link")).toBe(get.headers.get("link"))
    const missing = await call("HEAD", `/api/organizations/${ids.missing}`)
    expect(missing.status).toBe(404)
    expect(missing.text).toBe("")
    expect((await call("HEAD", `${base}/users`, { headers: { "if-none-match": "*" } })).status).toBe(200)
  })
})

describe("ETag and 304", () => {
  it("sends Logto's ETag format; equal bodies give equal ETags across routes", async () => {
    const a = await call("GET", `/api/organizations/${ids.missing}/users`)
    const b = await call("GET", `/api/organizations/${ids.missing}/applications`)
    expect(a.headers.get("etag")).toBe('"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w"')
    expect(b.headers.get("etag")).toBe(a.headers.get("etag"))
  })

  it("answers 304 for the exact ETag, W/, a list containing it and *, keeping Total-Number and Link", async () => {
    const first = await call("GET", `${base}/users`)
    const etag = first.headers.get("etag")!
    for (const value of [etag, `W/${etag}`, `"x", ${etag}`, "*"]) {
      const r = await call("GET", `${base}/users`, {
        headers: { "if-none-match": value, "cache-control": "max-age=0" }
      })
      expect(r.status).toBe(304)
      expect(r.text).toBe("")
      expect(r.headers.get("etag")).toBe(etag)
      expect(r.headers.get("content-type")).toBeNull()
      expect(r.headers.get("total-number")).toBe("3")
      expect(r.headers.get("link")).toBe(first.headers.get("link"))
    }
  })

  it("answers 200 for a non-matching or unquoted value, with Cache-Control: no-cache, or with If-Modified-Since", async () => {
    const etag = (await call("GET", `${base}/users`)).headers.get("etag")!
    const cases: Array<Record<string, string>> = [
      { "if-none-match": '"nope"' },
      { "if-none-match": etag.slice(1, -1) },
      { "if-none-match": etag, "cache-control": "no-cache" },
      { "if-none-match": etag, "if-modified-since": "Wed, 21 Oct 2015 07:28:00 GMT" }
    ]
    for (const headers of cases) expect((await call("GET", `${base}/users`, { headers })).status).toBe(200)
  })

  it("ignores If-Modified-Since alone: 200 with the body and the ETag a plain GET gets", async () => {
    const plain = await call("GET", `${base}/users`)
    for (const since of ["Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT", "not a date"]) {
      const r = await call("GET", `${base}/users`, { headers: { "if-modified-since": since } })
      expect(r.status).toBe(200)
      expect(r.text).toBe(plain.text)
      expect(r.headers.get("etag")).toBe(plain.headers.get("etag"))
    }
  })

  it("answers 200 with the body when If-Modified-Since comes with any matching If-None-Match, even *", async () => {
    const plain = await call("GET", `${base}/users`)
    const etag = plain.headers.get("etag")!
    for (const value of [etag, `W/${etag}`, `"x", ${etag}`, "*"]) {
      const r = await call("GET", `${base}/users`, {
        headers: {
          "if-none-match": value,
          "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT",
          "cache-control": "max-age=0"
        }
      })
      expect(r.status).toBe(200)
      expect(r.text).toBe(plain.text)
      expect(r.headers.get("etag")).toBe(etag)
    }
  })

  it("answers 304 when If-Modified-Since is empty (Koa reads an empty value as absent)", async () => {
    const etag = (await call("GET", `${base}/users`)).headers.get("etag")!
    const r = await call("GET", `${base}/users`, {
      headers: { "if-none-match": etag, "if-modified-since": "", "cache-control": "max-age=0" }
    })
    expect(r.status).toBe(304)
    expect(r.text).toBe("")
  })

  it("changes the ETag when the data changes and sends none on errors or writes", async () => {
    const before = (await call("GET", `${base}/users`)).headers.get("etag")
    const write = await call("POST", `${base}/users`, { body: { userIds: [ids.u4] } })
    expect(write.headers.get("etag")).toBeNull()
    expect((await call("GET", `${base}/users`)).headers.get("etag")).not.toBe(before)
    expect((await call("GET", `/api/organizations/${ids.missing}`)).headers.get("etag")).toBeNull()
  })
})

describe("pagination", () => {
  it("sends Link lines first, prev, last, next without /api, rebuilding the query in place", async () => {
    await call("POST", `${base}/users`, { body: { userIds: [ids.u4] } })
    const r = await call("GET", `${base}/users?q=acme&page=2&page_size=1&foo=bar&foo=baz`)
    expect(r.headers.get("total-number")).toBe("2")
    const link = r.headers.get("link")!.split(/,\s*(?=<)/)
    const origin = "http://logto.test"
    const path = `/organizations/${ids.org}/users`
    expect(link).toEqual([
      `<${origin}${path}?q=acme&page=1&page_size=1&foo=bar%2Cbaz>; rel="first"`,
      `<${origin}${path}?q=acme&page=1&page_size=1&foo=bar%2Cbaz>; rel="prev"`,
      `<${origin}${path}?q=acme&page=2&page_size=1&foo=bar%2Cbaz>; rel="last"`
    ])
  })

  it("accepts Number() forms: 1e1, 0x10, +2, 00002, 1.0", async () => {
    for (const q of ["page=1e1", "page_size=0x10", "page=%2B2", "page=00002", "page=1.0", "page=%202"]) {
      expect((await call("GET", `/api/organizations?${q}`)).status).toBe(200)
    }
  })

  it("treats an empty value as absent and a fractional page as an offset", async () => {
    expect((await call("GET", `${base}/users/${ids.u1}/roles?page=&page_size=`)).headers.get("total-number")).toBeNull()
    await call("POST", `${base}/users`, { body: { userIds: [ids.u4] } })
    const r = await call("GET", `${base}/users?page=2.5&page_size=2`)
    expect(r.status).toBe(200)
    expect(r.body.map((u: { id: string }) => u.id)).toEqual([ids.u4])
    expect(r.headers.get("link")).toContain('users?page=1&page_size=2>; rel="prev"')
  })

  it("answers 422 entity.invalid_input when (page - 1) x page_size is not a whole number, and 500 below zero", async () => {
    for (const q of ["page=1.5&page_size=1", "page=2.5&page_size=1", "page=1.25&page_size=2"]) {
      const r = await call("GET", `${base}/users?${q}`)
      expect(r.status).toBe(422)
      expect(r.body.code).toBe("entity.invalid_input")
    }
    const negative = await call("GET", `${base}/users?page=0.5`)
    expect(negative.status).toBe(500)
    expect(negative.body).toEqual({ message: "Internal server error." })
  })

  it("answers 422 entity.invalid_input for page=Infinity", async () => {
    expect((await call("GET", "/api/organizations?page=Infinity")).body.code).toBe("entity.invalid_input")
  })

  it("uses the default of the missing one when either key is given on optional lists", async () => {
    const r = await call("GET", `${base}/users/${ids.u1}/roles?page=2`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual([])
    expect(r.headers.get("total-number")).toBe("2")
  })

  it("ignores pagination on ListOrganizationUserScopes", async () => {
    const r = await call("GET", `${base}/users/${ids.u1}/scopes?page=0`)
    expect(r.status).toBe(200)
    expect(r.headers.get("total-number")).toBeNull()
  })
})

describe("q wildcards", () => {
  const names = ["Acme_Corp", "AcmeXCorp", "ACME corp", "Acme%Labs", "back\\slash"]
  beforeEach(async () => {
    fake.reset({ organizations: names.map((name, i) => ({ id: `w${i}`, name })) })
  })
  const search = async (q: string) =>
    (await call("GET", `/api/organizations?page_size=100&q=${encodeURIComponent(q)}`)).body.map(
      (o: { name: string }) => o.name
    )

  it("treats _ and % as wildcards and \\ as an escape", async () => {
    expect(await search("acme_corp")).toEqual(["Acme_Corp", "AcmeXCorp", "ACME corp"])
    expect(await search("acme%")).toEqual(["Acme_Corp", "AcmeXCorp", "ACME corp", "Acme%Labs"])
    expect(await search("acme\\_corp")).toEqual(["Acme_Corp"])
    expect(await search("acme\\%")).toEqual(["Acme%Labs"])
    expect(await search("back\\\\slash")).toEqual(["back\\slash"])
    expect(await search("back\\slash")).toEqual([])
    expect(await search("%")).toHaveLength(5)
    expect(await search("_")).toHaveLength(5)
    expect(await search("")).toHaveLength(5)
    expect((await call("GET", "/api/organizations?q=abc%5C")).status).toBe(200)
  })
})

describe("body parsing", () => {
  it("treats a body without Content-Type as {}", async () => {
    const r = await call("POST", "/api/organizations", { body: '{"name":"x"}', raw: true })
    expect(r.status).toBe(400)
    expect(r.body.data.issues[0]).toMatchObject({ code: "invalid_type", path: ["name"], message: "Required" })
  })

  it("parses forms and application/*+json", async () => {
    const form = await call("POST", "/api/organizations", {
      body: "name=Foo+Bar",
      raw: true,
      headers: { "content-type": "application/x-www-form-urlencoded" }
    })
    expect(form.status).toBe(201)
    expect(form.body.name).toBe("Foo Bar")
    const vnd = await call("POST", "/api/organizations", {
      body: '{"name":"V"}',
      raw: true,
      headers: { "content-type": "application/vnd.api+json; charset=utf-8" }
    })
    expect(vnd.status).toBe(201)
  })

  it("answers malformed JSON, null and scalars with a message-only 400", async () => {
    const bad = await call("POST", "/api/organizations", {
      body: '{"name": "x",}',
      raw: true,
      headers: { "content-type": "application/json" }
    })
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body)).toEqual(["message"])
    for (const text of ["null", "1", '"x"', "  "]) {
      const r = await call("POST", "/api/organizations", {
        body: text,
        raw: true,
        headers: { "content-type": "application/json" }
      })
      expect(r.status).toBe(400)
      expect(r.body).toEqual({ message: "invalid JSON, only supports object and array" })
    }
  })

  it("reports text/plain bodies and arrays as the wrong type at the root", async () => {
    const plain = await call("POST", "/api/organizations", {
      body: "hello",
      raw: true,
      headers: { "content-type": "text/plain" }
    })
    expect(plain.body.data.issues[0]).toMatchObject({
      code: "invalid_type",
      path: [],
      message: "Expected object, received string"
    })
    const array = await call("POST", "/api/organizations", { body: [] })
    expect(array.body.data.issues[0]).toMatchObject({ message: "Expected object, received array" })
  })

  it("accepts exactly 1 MiB and answers a plain-text 404 above", async () => {
    const pad = (size: number) => {
      const prefix = '{"name":"big","customCss":"'
      return `${prefix}${"x".repeat(size - prefix.length - 2)}"}`
    }
    const ok = await call("POST", "/api/organizations", {
      body: pad(1_048_576),
      raw: true,
      headers: { "content-type": "application/json" }
    })
    expect(ok.status).toBe(201)
    const big = await call("POST", "/api/organizations", {
      body: pad(1_048_577),
      raw: true,
      headers: { "content-type": "application/json" }
    })
    expect(big.status).toBe(404)
    expect(big.text).toBe("Not Found")
  })

  it("parses koa-body's other JSON types, application/csp-report included", async () => {
    for (const type of ["application/csp-report", "application/reports+json", "application/json-patch+json"]) {
      const r = await call("POST", "/api/organizations", {
        body: '{"name":"typed"}',
        raw: true,
        headers: { "content-type": type }
      })
      expect(r.status).toBe(201)
    }
  })

  it("nests form keys with brackets and dots, as qs does", async () => {
    await call("POST", `${base}/users`, { body: { userIds: [ids.u4] } })
    const r = await call("PUT", `${base}/users/${ids.u4}/roles`, {
      body: `organizationRoleIds[0]=${ids.member}`,
      raw: true,
      headers: { "content-type": "application/x-www-form-urlencoded" }
    })
    expect(r.status).toBe(204)
    const roles = await call("GET", `${base}/users/${ids.u4}/roles`)
    expect(roles.body.map((role: { id: string }) => role.id)).toEqual([ids.member])
  })

  it("answers a plain-text 404 for a text body above 56 KiB, and does not read bodies of other types", async () => {
    const text = await call("POST", "/api/organizations", {
      body: "x".repeat(57_345),
      raw: true,
      headers: { "content-type": "text/plain" }
    })
    expect(text.status).toBe(404)
    expect(text.text).toBe("Not Found")
    const ignored = await call("POST", "/api/organizations", {
      body: "x".repeat(2_000_000),
      raw: true,
      headers: { "content-type": "application/octet-stream" }
    })
    expect(ignored.status).toBe(400)
    expect(ignored.body.data.issues[0]).toMatchObject({ path: ["name"], message: "Required" })
  })

  it("keeps the last of duplicate keys", async () => {
    const r = await call("POST", "/api/organizations", {
      body: '{"name":"a","name":"b"}',
      raw: true,
      headers: { "content-type": "application/json" }
    })
    expect(r.body.name).toBe("b")
  })
})

describe("response headers", () => {
  it("carries a Logto-Core-Request-Id and nosniff on every response", async () => {
    for (const r of [
      await call("GET", "/api/organizations"),
      await call("GET", "/x", { token: null }),
      await call("GET", "/api/organizations", { token: null })
    ]) {
      expect(r.headers.get("logto-core-request-id")).toMatch(/^[0-9a-f-]{36}$/)
      expect(r.headers.get("x-content-type-options")).toBe("nosniff")
    }
  })
})
