import { describe, expect, it } from "vitest"
import { Etag, LogtoError, RouteTable, Validation } from "../src/index.ts"

const tag = '"2-l9Fw4VUO7kr8CvBlt4zaMCqXZ0w"'
const fresh = (headers: Record<string, string>) => Etag.isFresh(new Headers(headers), tag)

describe("Etag", () => {
  it("computes Logto's strong ETag: the body length in hex and 27 characters of base64 SHA-1 [observed]", async () => {
    expect(await Etag.compute("[]")).toBe(tag)
    expect(await Etag.compute(new TextEncoder().encode("[]"))).toBe(tag)
  })

  it("is fresh for the tag, W/ on either side, a list holding it, and exactly * [observed]", () => {
    expect(fresh({ "if-none-match": tag })).toBe(true)
    expect(fresh({ "if-none-match": `W/${tag}` })).toBe(true)
    expect(fresh({ "if-none-match": `"x",  ${tag} ` })).toBe(true)
    expect(fresh({ "if-none-match": "*" })).toBe(true)
    expect(fresh({ "if-none-match": tag.slice(1, -1) })).toBe(false)
    expect(fresh({ "if-none-match": `"x" ${tag}` })).toBe(false)
  })

  it("is stale with Cache-Control: no-cache, without If-None-Match, or with an If-Modified-Since (no Last-Modified)", () => {
    expect(fresh({ "if-none-match": tag, "cache-control": "no-cache" })).toBe(false)
    expect(fresh({ "if-none-match": tag, "cache-control": "max-age=0" })).toBe(true)
    expect(fresh({ "if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT" })).toBe(false)
    expect(fresh({ "if-none-match": tag, "if-modified-since": "Thu, 01 Jan 2099 00:00:00 GMT" })).toBe(false)
    expect(fresh({})).toBe(false)
    expect(Etag.fresh({ ifNoneMatch: tag, ifModifiedSince: undefined, cacheControl: undefined }, tag)).toBe(true)
  })
})

describe("LogtoError.codeOf", () => {
  it("reads the code of a JSON error answer and nothing else", () => {
    const body = JSON.stringify({ code: "entity.not_exists", message: "x" })
    expect(LogtoError.codeOf(404, "application/json; charset=utf-8", body)).toBe("entity.not_exists")
    expect(LogtoError.codeOf(404, "application/json", new TextEncoder().encode(body))).toBe("entity.not_exists")
    expect(LogtoError.codeOf(200, "application/json", body)).toBeUndefined()
    expect(LogtoError.codeOf(404, "text/plain", body)).toBeUndefined()
    expect(LogtoError.codeOf(500, "application/json", '{"message":"Internal server error."}')).toBeUndefined()
    expect(LogtoError.codeOf(400, "application/json", "{")).toBeUndefined()
    expect(LogtoError.codeOf(400, "application/json", "null")).toBeUndefined()
  })
})

describe("RouteTable flags", () => {
  it("derives each route's subject from its path and method", () => {
    const subjects = new Map(RouteTable.routes.map((r) => [r.operationId, r.subject]))
    expect(subjects.get("ListOrganizations")).toBe("organizations")
    expect(subjects.get("CreateOrganization")).toBe("new-organization")
    expect([...subjects.values()].filter((s) => s === "organization")).toHaveLength(34)
  })

  it("gives only UpdateOrganization PATCH rules", () => {
    const patched = RouteTable.routes.filter((r) => r.patch !== undefined)
    expect(patched.map((r) => r.operationId)).toEqual(["UpdateOrganization"])
    expect(patched[0]!.patch).toEqual({ ignoredKeys: ["id"], requireKeys: true, timestampKeys: ["createdAt"] })
  })

  it("names every operation by its capitalized endpoint name", () => {
    for (const r of RouteTable.routes) expect(r.operationId).toBe(r.name[0]!.toUpperCase() + r.name.slice(1))
  })
})

describe("Validation: Logto's pagination 500", () => {
  it("answers page=0.5 with Logto's 500, whose callerError is 400 guard.invalid_pagination", () => {
    const route = RouteTable.byOperationId.get("ListOrganizations")!
    const result = Validation.validateRequest(route, {
      params: {},
      search: new URLSearchParams("page=0.5"),
      contentType: undefined,
      text: ""
    })
    expect(result._tag).toBe("Failure")
    const failure = result._tag === "Failure" ? result.failure : undefined
    expect(failure?.status).toBe(500)
    expect(Validation.forCaller(failure!)).toEqual({
      status: 400,
      body: { code: "guard.invalid_pagination", message: "The request pagination value is invalid." }
    })
  })
})
