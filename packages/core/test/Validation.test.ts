import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { RouteTable, Validation } from "../src/index.ts"

const route = (operationId: string) => RouteTable.byOperationId.get(operationId)!
const validate = (operationId: string, options: { params?: Record<string, string>; query?: string; body?: unknown }) =>
  Validation.validate(route(operationId), {
    params: options.params ?? { id: "o1", userId: "u1", applicationId: "a1" },
    search: new URLSearchParams(options.query ?? ""),
    body: options.body
  })
const rejection = (result: Result.Result<Validation.Valid, Validation.Rejection>) => {
  if (Result.isSuccess(result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.success)}`)
  return result.failure
}
const valid = (result: Result.Result<Validation.Valid, Validation.Rejection>) => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${JSON.stringify(result.failure)}`)
  return result.success
}

describe("Validation.validate", () => {
  it("answers an empty organization name exactly as Logto does", () => {
    expect(rejection(validate("CreateOrganization", { body: { name: "" } }))).toEqual({
      status: 400,
      body: {
        code: "guard.invalid_input",
        message: "The request body is invalid.",
        data: {
          issues: [
            {
              code: "too_small",
              minimum: 1,
              type: "string",
              inclusive: true,
              exact: false,
              message: "String must contain at least 1 character(s)",
              path: ["name"]
            }
          ],
          name: "ZodError"
        },
        details: 'Error in key path "name": (too_small) String must contain at least 1 character(s)'
      }
    })
  })

  it("reports every failing field in one response, naming each", () => {
    const { body } = rejection(
      validate("CreateOrganization", {
        body: {
          description: "x".repeat(257),
          color: { primaryColor: "red" },
          branding: { logoUrl: "logo.png" },
          customData: []
        }
      })
    ) as { body: { data: { issues: Array<{ code: string; path: Array<string> }> }; details: string } }
    expect(body.data.issues.map((i) => [i.path.join("."), i.code])).toEqual([
      ["description", "too_big"],
      ["customData", "invalid_type"],
      ["color.primaryColor", "invalid_string"],
      ["branding.logoUrl", "invalid_string"],
      ["name", "invalid_type"]
    ])
    expect(body.details.split("\n")).toContain(
      'Error in key path "name": (invalid_type) Expected string but received undefined.'
    )
    expect(body.details.split("\n")).toContain('Error in key path "branding.logoUrl": (invalid_string) Invalid url')
  })

  it("accepts what Logto accepts: any URL scheme, 3- or 6-digit colors in any case, unknown keys", () => {
    const ok = valid(
      validate("CreateOrganization", {
        body: {
          name: "   ",
          color: { primaryColor: "#FFF", darkPrimaryColor: "#abc123", extra: 1 },
          branding: { logoUrl: "mock://x/y.png", favicon: "data:image/png;base64,AAAA" },
          customData: { nested: { deep: [1, 2] } },
          usersCount: 3
        }
      })
    )
    expect(ok.payload).toEqual({
      name: "   ",
      color: { primaryColor: "#FFF", darkPrimaryColor: "#abc123" },
      branding: { logoUrl: "mock://x/y.png", favicon: "data:image/png;base64,AAAA" },
      customData: { nested: { deep: [1, 2] } }
    })
  })

  it("counts name length in UTF-16 code units, as Logto does (64 emoji fit, 65 do not)", () => {
    expect(Result.isSuccess(validate("CreateOrganization", { body: { name: "😀".repeat(64) } }))).toBe(true)
    expect(rejection(validate("CreateOrganization", { body: { name: "😀".repeat(65) } })).status).toBe(400)
  })

  it("rejects the invalid colors and URLs the spec lists", () => {
    for (const color of ["red", "fff", "#ffff", "#GGG", "#fffffff", ""]) {
      expect(
        rejection(validate("CreateOrganization", { body: { name: "a", color: { primaryColor: color } } })).status,
        color
      ).toBe(400)
    }
    for (const url of ["logo.png", "//x.com/a.png", "http://", "", "http://a b.com/x"]) {
      expect(
        rejection(validate("CreateOrganization", { body: { name: "a", branding: { logoUrl: url } } })).status,
        url
      ).toBe(400)
    }
  })

  it("treats a missing body as {} so that required keys are reported", () => {
    const { body } = rejection(validate("AddOrganizationUsers", { body: undefined })) as { body: { details: string } }
    expect(body.details).toBe('Error in key path "userIds": (invalid_type) Expected array but received undefined.')
  })

  it("rejects empty arrays where Logto's bodies are non-empty, with the array path", () => {
    const { body } = rejection(validate("AddOrganizationUsers", { body: { userIds: [] } })) as {
      body: { data: { issues: Array<unknown> } }
    }
    expect(body.data.issues).toEqual([
      {
        code: "too_small",
        minimum: 1,
        type: "array",
        inclusive: true,
        exact: false,
        message: "Array must contain at least 1 element(s)",
        path: ["userIds"]
      }
    ])
    const item = rejection(
      validate("AssignOrganizationRolesToUsers", { body: { userIds: ["u"], organizationRoleIds: ["r", ""] } })
    )
    expect((item.body as { details: string }).details).toBe(
      'Error in key path "organizationRoleIds.1": (too_small) String must contain at least 1 character(s)'
    )
  })

  it("accepts the empty lists Logto accepts", () => {
    for (const [operationId, body] of [
      ["ReplaceOrganizationUsers", { userIds: [] }],
      ["ReplaceOrganizationApplications", { applicationIds: [] }],
      ["ReplaceOrganizationUserRoles", {}],
      ["AssignOrganizationRolesToUser", { organizationRoleIds: [] }],
      ["ReplaceOrganizationJitEmailDomains", { emailDomains: ["", "b.example"] }],
      ["ReplaceOrganizationJitRoles", { organizationRoleIds: [] }],
      ["ReplaceOrganizationJitSsoConnectors", { ssoConnectorIds: [] }]
    ] as const) {
      expect(Result.isSuccess(validate(operationId, { body })), operationId).toBe(true)
    }
    expect(
      rejection(validate("ReplaceOrganizationApplicationRoles", { body: { organizationRoleIds: [] } })).status
    ).toBe(400)
  })

  it("rejects a JSON array or string where an object is expected, at the root path", () => {
    const array = rejection(validate("CreateOrganization", { body: [] })) as {
      body: { data: { issues: Array<{ path: Array<string>; message: string }> } }
    }
    expect(array.body.data.issues[0]).toMatchObject({
      code: "invalid_type",
      expected: "object",
      received: "array",
      path: []
    })
    const text = rejection(validate("CreateOrganization", { body: "name=x" })) as { body: { details: string } }
    expect(text.body.details).toBe('Error in key path "": (invalid_type) Expected object but received string.')
  })

  it("validates the query: a repeated q is an array and invalid, an empty organizationRoleId is invalid", () => {
    const repeated = rejection(validate("ListOrganizations", { query: "q=a&q=b" }))
    expect(repeated.body).toMatchObject({ code: "guard.invalid_input", message: "The request query is invalid." })
    expect(rejection(validate("ListOrganizationUsers", { query: "organizationRoleId=" })).status).toBe(400)
    expect(valid(validate("ListOrganizations", { query: "q=acme&showFeatured=yes&unknown=1" })).query).toEqual({
      q: "acme",
      showFeatured: "yes"
    })
  })

  it("checks pagination before the query", () => {
    expect(rejection(validate("ListOrganizations", { query: "q=a&q=b&page=0" })).body).toEqual({
      code: "guard.invalid_pagination",
      message: "The request pagination value is invalid."
    })
  })

  it("checks the query before the body, and the body before the path", () => {
    expect(rejection(validate("AddOrganizationUsers", { params: { id: "" }, body: {} })).body).toMatchObject({
      message: "The request body is invalid."
    })
    expect(
      rejection(validate("AddOrganizationUsers", { params: { id: "" }, body: { userIds: ["u"] } })).body
    ).toMatchObject({
      message: "The request params is invalid."
    })
  })
})

describe("Validation.parseBody", () => {
  const parse = (type: string | undefined, text: string) => Validation.parseBody(type, text)

  it("parses JSON, including application/*+json and a charset", () => {
    expect(parse("application/json; charset=utf-8", '{"a":1}')).toEqual(Result.succeed({ a: 1 }))
    expect(parse("application/merge-patch+json", '{"a":1}')).toEqual(Result.succeed({ a: 1 }))
  })

  it("answers malformed JSON with Logto's message-only 400", () => {
    const result = parse("application/json", '{"name": "x",}')
    expect(Result.isFailure(result) && result.failure.status).toBe(400)
    expect(Result.isFailure(result) && Object.keys(result.failure.body)).toEqual(["message"])
    expect(Result.isFailure(result) && (result.failure.body as { message: string }).message).toMatch(/JSON/)
  })

  it("rejects JSON null, strings, numbers and whitespace with Logto's message", () => {
    for (const text of ["null", '"x"', "1", "  "]) {
      expect(parse("application/json", text)).toEqual(
        Result.fail({ status: 400, body: { message: "invalid JSON, only supports object and array" } })
      )
    }
  })

  it("treats an empty body, or one without Content-Type, as {}", () => {
    expect(parse("application/json", "")).toEqual(Result.succeed({}))
    expect(parse(undefined, '{"name":"x"}')).toEqual(Result.succeed({}))
  })

  it("parses forms and keeps text/plain as a string", () => {
    expect(parse("application/x-www-form-urlencoded", "name=Foo+Bar&x=1&x=2")).toEqual(
      Result.succeed({ name: "Foo Bar", x: ["1", "2"] })
    )
    expect(parse("text/plain", "hello")).toEqual(Result.succeed("hello"))
  })
})

describe("Validation.validateRequest", () => {
  const request = (operationId: string, query: string, contentType: string | undefined, text: string) =>
    Validation.validateRequest(RouteTable.byOperationId.get(operationId)!, {
      params: { id: "o1", userId: "u1" },
      search: new URLSearchParams(query),
      contentType,
      text
    })

  it("answers a list's bad page without reading a body (lists take none), and a malformed body with Logto's message", () => {
    const result = request("ListOrganizationUsers", "page=0", "application/json", "{bad")
    expect(Result.isFailure(result) && result.failure.body).toEqual({
      code: "guard.invalid_pagination",
      message: "The request pagination value is invalid."
    })
    const malformed = request("AddOrganizationUsers", "", "application/json", "{bad")
    expect(Result.isFailure(malformed) && Object.keys(malformed.failure.body)).toEqual(["message"])
  })

  it("parses and validates the body it is given, and ignores a body where the operation has none", () => {
    const ok = request("AddOrganizationUsers", "", "application/json; charset=utf-8", '{"userIds":["u1"],"x":1}')
    expect(Result.isSuccess(ok) && ok.success.payload).toEqual({ userIds: ["u1"] })
    expect(Result.isSuccess(request("GetOrganization", "", "application/json", "{bad"))).toBe(true)
  })
})
