/**
 * Logto's 400s for each kind of wrong input, pinned as zod 3 (Logto's validator) renders them: the
 * issue, its `message` and its `details` line. The expected answers are written out here from the
 * spec (§2.1, §2.2, §2.4) and zod's issue format, never computed by core.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { RouteTable, Validation } from "../src/index.ts"
import { tooShort } from "./fixtures/zodIssues.ts"

const request = (
  operationId: RouteTable.OperationId,
  options: { query?: string; body?: string; contentType?: string; params?: Record<string, string> }
) =>
  Validation.validateRequest(RouteTable.byOperationId.get(operationId)!, {
    params: options.params ?? { id: "o1", userId: "u1", applicationId: "a1" },
    search: new URLSearchParams(options.query ?? ""),
    contentType: options.contentType ?? "application/json",
    text: options.body ?? ""
  })

interface InvalidInput {
  readonly code: string
  readonly message: string
  readonly data: { readonly issues: ReadonlyArray<unknown>; readonly name: string }
  readonly details: string
}

const rejected = (result: Result.Result<Validation.Valid, Validation.Rejection>) => {
  if (Result.isSuccess(result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.success)}`)
  return result.failure
}
const invalid = (result: Result.Result<Validation.Valid, Validation.Rejection>) => {
  const failure = rejected(result)
  expect(failure.status).toBe(400)
  return failure.body as InvalidInput
}
const accepted = (result: Result.Result<Validation.Valid, Validation.Rejection>) => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}

/** zod's `invalid_type` issue and its details line, written out. */
const wrongType = (path: Array<string | number>, expected: string, received: string) => ({
  issue: { code: "invalid_type", expected, received, path, message: `Expected ${expected}, received ${received}` },
  line: `Error in key path "${path.join(".")}": (invalid_type) Expected ${expected} but received ${received}.`
})

describe("a value of the wrong JSON type", () => {
  it("names what was received, for every JSON type, at a string field", () => {
    for (const [json, received] of [
      ["5", "number"],
      ["true", "boolean"],
      ["null", "null"],
      ["{}", "object"],
      ["[]", "array"]
    ] as const) {
      const body = invalid(request("CreateOrganization", { body: `{"name":${json}}` }))
      const expected = wrongType(["name"], "string", received)
      expect(body, json).toEqual({
        code: "guard.invalid_input",
        message: "The request body is invalid.",
        data: { issues: [expected.issue], name: "ZodError" },
        details: expected.line
      })
    }
  })

  it("names the expected boolean, number, object and array", () => {
    const cases: Array<[RouteTable.OperationId, string, ReturnType<typeof wrongType>]> = [
      ["CreateOrganization", '{"name":"a","isMfaRequired":"true"}', wrongType(["isMfaRequired"], "boolean", "string")],
      [
        "CreateOrganization",
        '{"name":"a","color":{"isDarkModeEnabled":1}}',
        wrongType(["color", "isDarkModeEnabled"], "boolean", "number")
      ],
      ["UpdateOrganization", '{"createdAt":"1"}', wrongType(["createdAt"], "number", "string")],
      ["UpdateOrganization", '{"createdAt":null}', wrongType(["createdAt"], "number", "null")],
      ["CreateOrganization", '{"name":"a","color":"red"}', wrongType(["color"], "object", "string")],
      ["CreateOrganization", '{"name":"a","branding":[]}', wrongType(["branding"], "object", "array")],
      ["CreateOrganization", '{"name":"a","customData":null}', wrongType(["customData"], "object", "null")],
      ["AddOrganizationUsers", '{"userIds":"u1"}', wrongType(["userIds"], "array", "string")],
      [
        "ReplaceOrganizationUserRoles",
        '{"organizationRoleIds":{}}',
        wrongType(["organizationRoleIds"], "array", "object")
      ],
      [
        "ReplaceOrganizationJitEmailDomains",
        '{"emailDomains":["a.example",1]}',
        wrongType(["emailDomains", 1], "string", "number")
      ],
      ["CreateOrganizationJitEmailDomain", '{"emailDomain":false}', wrongType(["emailDomain"], "string", "boolean")]
    ]
    for (const [operationId, text, expected] of cases) {
      const body = invalid(request(operationId, { body: text }))
      expect(body.data.issues, text).toEqual([expected.issue])
      expect(body.details, text).toBe(expected.line)
    }
  })

  it("takes no string for a number, not even the JSON codec's NaN and infinities (zod's z.number())", () => {
    for (const operationId of ["CreateOrganization", "UpdateOrganization"] as const)
      for (const value of ["NaN", "Infinity", "-Infinity", "1"]) {
        const failure = rejected(request(operationId, { body: JSON.stringify({ name: "a", createdAt: value }) }))
        const expected = wrongType(["createdAt"], "number", "string")
        expect(failure, `${operationId} ${value}`).toEqual({
          status: 400,
          body: {
            code: "guard.invalid_input",
            message: "The request body is invalid.",
            data: { issues: [expected.issue], name: "ZodError" },
            details: expected.line
          }
        })
      }
  })

  it("accepts null where Logto's field is nullable", () => {
    expect(accepted(request("UpdateOrganization", { body: '{"description":null,"customCss":null}' })).payload).toEqual({
      description: null,
      customCss: null
    })
  })
})

describe("missing required keys", () => {
  it("reports each one, in the schema's order, as Required with the type it should have had", () => {
    const body = invalid(request("AssignOrganizationRolesToUsers", { body: "{}" }))
    expect(body.data.issues).toEqual([
      { code: "invalid_type", expected: "array", received: "undefined", path: ["userIds"], message: "Required" },
      {
        code: "invalid_type",
        expected: "array",
        received: "undefined",
        path: ["organizationRoleIds"],
        message: "Required"
      }
    ])
    expect(body.details).toBe(
      [
        'Error in key path "userIds": (invalid_type) Expected array but received undefined.',
        'Error in key path "organizationRoleIds": (invalid_type) Expected array but received undefined.'
      ].join("\n")
    )
  })

  it("names a missing string as a string (an empty body is {}) [observed]", () => {
    const body = invalid(request("CreateOrganizationJitEmailDomain", { body: "" }))
    expect(body.data.issues).toEqual([
      { code: "invalid_type", expected: "string", received: "undefined", path: ["emailDomain"], message: "Required" }
    ])
  })

  it("reads no body without a Content-Type: a valid JSON body gives the Required issues [observed]", () => {
    const body = invalid(request("CreateOrganization", { body: '{"name":"a"}', contentType: "" }))
    expect(body.details).toBe('Error in key path "name": (invalid_type) Expected string but received undefined.')
  })
})

describe("the query and the path", () => {
  it("answers a repeated q as an array where a string is expected [observed: 400 query]", () => {
    const expected = wrongType(["q"], "string", "array")
    expect(invalid(request("ListOrganizations", { query: "q=a&q=b" }))).toEqual({
      code: "guard.invalid_input",
      message: "The request query is invalid.",
      data: { issues: [expected.issue], name: "ZodError" },
      details: expected.line
    })
  })

  it("answers an empty organizationRoleId as a too short string", () => {
    expect(invalid(request("ListOrganizationUsers", { query: "organizationRoleId=" })).data.issues).toEqual([
      tooShort(["organizationRoleId"])
    ])
  })

  it("answers an empty path parameter as the params' 400, naming it", () => {
    expect(invalid(request("GetOrganization", { params: { id: "" } }))).toEqual({
      code: "guard.invalid_input",
      message: "The request params is invalid.",
      data: {
        issues: [tooShort(["id"])],
        name: "ZodError"
      },
      details: 'Error in key path "id": (too_small) String must contain at least 1 character(s)'
    })
  })

  it("leaves page and page_size to pagination: values Number() takes are not the query's errors [observed]", () => {
    for (const query of [
      "page=2.5&page_size=2",
      "page=&page_size=",
      "page=1e1",
      "page_size=1e2",
      "page=%202",
      "page=0x10"
    ])
      expect(Result.isSuccess(request("ListOrganizations", { query })), query).toBe(true)
  })

  it("keeps the query's known keys, drops unknown ones, and passes page and page_size only as pagination", () => {
    const ok = accepted(
      request("ListOrganizationUsers", { query: "q=ann&organizationRoleId=r1&x=1&page=2&page_size=5" })
    )
    expect(ok.query).toEqual({ q: "ann", organizationRoleId: "r1" })
    expect(ok.pagination).toMatchObject({ _tag: "Page", page: 2, pageSize: 5 })
    expect(ok.params).toEqual({ id: "o1" })
  })
})

describe("a body that is not an object", () => {
  it("answers a JSON array for a PATCH as an object expected at the root, not as an empty update [observed]", () => {
    const expected = wrongType([], "object", "array")
    const body = invalid(request("UpdateOrganization", { body: '["name"]' }))
    expect(body.data.issues).toEqual([expected.issue])
    expect(body.details).toBe(expected.line)
  })

  it('answers a text/plain PATCH as a string where an object is expected, at path "" [observed]', () => {
    const expected = wrongType([], "object", "string")
    const body = invalid(request("UpdateOrganization", { body: "name", contentType: "text/plain" }))
    expect(body.data.issues).toEqual([expected.issue])
    expect(body.details).toBe('Error in key path "": (invalid_type) Expected object but received string.')
  })

  it("applies a form-encoded PATCH as Logto does (name=Foo+Bar) [observed]", () => {
    const ok = accepted(
      request("UpdateOrganization", { body: "name=Foo+Bar&id=x", contentType: "application/x-www-form-urlencoded" })
    )
    expect(ok.payload).toEqual({ name: "Foo Bar" })
  })
})
