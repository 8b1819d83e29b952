import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { RouteTable, Validation } from "../src/index.ts"
import { tooShort } from "./fixtures/zodIssues.ts"

const route = (operationId: RouteTable.OperationId) => RouteTable.byOperationId.get(operationId)!
const validate = (
  operationId: RouteTable.OperationId,
  options: { params?: Record<string, string>; query?: string; body?: unknown }
) =>
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
          issues: [tooShort(["name"])],
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

  it("renders each issue whole, as zod does in Logto's answers (keys, bounds, messages, details lines)", () => {
    const { body } = rejection(
      validate("CreateOrganization", {
        body: {
          description: "x".repeat(257),
          color: { primaryColor: "red" },
          branding: { logoUrl: "logo.png" },
          customData: []
        }
      })
    ) as { body: { data: { issues: Array<unknown> }; details: string } }
    expect(body.data.issues).toEqual([
      {
        code: "too_big",
        maximum: 256,
        type: "string",
        inclusive: true,
        exact: false,
        message: "String must contain at most 256 character(s)",
        path: ["description"]
      },
      {
        code: "invalid_type",
        expected: "object",
        received: "array",
        path: ["customData"],
        message: "Expected object, received array"
      },
      { validation: "regex", code: "invalid_string", message: "Invalid", path: ["color", "primaryColor"] },
      { validation: "url", code: "invalid_string", message: "Invalid url", path: ["branding", "logoUrl"] },
      { code: "invalid_type", expected: "string", received: "undefined", path: ["name"], message: "Required" }
    ])
    expect(body.details.split("\n")).toEqual([
      'Error in key path "description": (too_big) String must contain at most 256 character(s)',
      'Error in key path "customData": (invalid_type) Expected object but received array.',
      'Error in key path "color.primaryColor": (invalid_string) Invalid',
      'Error in key path "branding.logoUrl": (invalid_string) Invalid url',
      'Error in key path "name": (invalid_type) Expected string but received undefined.'
    ])
  })

  it("renders array and element issues whole (bounds, expected and received types, paths into arrays)", () => {
    const issues = (operationId: RouteTable.OperationId, body: unknown) =>
      (rejection(validate(operationId, { body })).body as { data: { issues: Array<unknown> } }).data.issues
    expect(issues("AddOrganizationUsers", { userIds: [] })).toEqual([
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
    expect(issues("AddOrganizationUsers", { userIds: ["u1", 7] })).toEqual([
      {
        code: "invalid_type",
        expected: "string",
        received: "number",
        path: ["userIds", 1],
        message: "Expected string, received number"
      }
    ])
    expect(issues("CreateOrganization", { name: "n".repeat(129) })).toEqual([
      {
        code: "too_big",
        maximum: 128,
        type: "string",
        inclusive: true,
        exact: false,
        message: "String must contain at most 128 character(s)",
        path: ["name"]
      }
    ])
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

  it("parses JSON for exactly koa-body's five JSON types, whatever their well-formed parameters (application/csp-report observed)", () => {
    for (const type of [
      "application/json; charset=utf-8",
      "application/json-patch+json",
      "application/vnd.api+json",
      "application/csp-report",
      "application/reports+json",
      " Application/JSON ;charset=latin1"
    ]) {
      expect(parse(type, '{"a":1}'), type).toEqual(Result.succeed({ a: 1 }))
    }
  })

  it("ignores the body of other +json types and of invalid media types, as koa-body does (source: type lists)", () => {
    for (const type of [
      "application/merge-patch+json",
      "application/ld+json",
      "json",
      "application/",
      "application/json x"
    ]) {
      expect(parse(type, '{"a":1}'), type).toEqual(Result.succeed({}))
      expect(Validation.bodyKind(type), type).toBe("ignored")
      expect(Validation.bodyLimit(type), type).toBeUndefined()
    }
  })

  it("refuses a __proto__ key anywhere with the parser's message-only 400 (co-body's bourne)", () => {
    for (const text of ['{"__proto__":{"x":1}}', '{"a":[{"\\u005f_proto__":1}]}']) {
      expect(parse("application/json", text)).toEqual(
        Result.fail({ status: 400, body: { message: "Object contains forbidden prototype property" } })
      )
    }
    expect(parse("application/json", '{"a":"__proto__"}')).toEqual(Result.succeed({ a: "__proto__" }))
  })

  it("accepts only RFC 7159 whitespace before JSON (a form feed is not)", () => {
    expect(parse("application/json", ' \t\r\n{"a":1}')).toEqual(Result.succeed({ a: 1 }))
    expect(parse("application/json", '\f{"a":1}')).toEqual(
      Result.fail({ status: 400, body: { message: "invalid JSON, only supports object and array" } })
    )
  })

  it("parses forms with qs: dots and brackets nest, repeats become arrays, prototype names are dropped", () => {
    expect(
      parse(
        "application/x-www-form-urlencoded",
        "color.primaryColor=%23fff&branding[logoUrl]=https://x&ids[]=a&ids[]=b&toString=1"
      )
    ).toEqual(Result.succeed({ color: { primaryColor: "#fff" }, branding: { logoUrl: "https://x" }, ids: ["a", "b"] }))
  })

  it("keeps every text/* body as a string, and limits forms and text to 56 KiB, JSON to 1 MiB", () => {
    expect(parse("text/csv", "a,b")).toEqual(Result.succeed("a,b"))
    expect(parse("text/html; charset=utf-8", "<p>")).toEqual(Result.succeed("<p>"))
    expect(Validation.bodyLimit("text/plain")).toBe(57_344)
    expect(Validation.bodyLimit("application/x-www-form-urlencoded")).toBe(57_344)
    expect(Validation.bodyLimit("application/csp-report")).toBe(1_048_576)
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
  const request = (operationId: RouteTable.OperationId, query: string, contentType: string | undefined, text: string) =>
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

  it("validates a 1 MiB body of half a million array elements without running out of stack", () => {
    const wide = `{"name":"o","customData":{"a":[${Array(500_000).fill("0").join(",")}]}}`
    const result = request("CreateOrganization", "", "application/json", wide)
    expect(Result.isSuccess(result) && result.success.payload).toMatchObject({ name: "o" })
    const hidden = `{"name":"o","customData":{"a":[${Array(200_000).fill("0").join(",")},{"b":{"\\u005f_proto__":1}}]}}`
    expect(Result.isFailure(request("CreateOrganization", "", "application/json", hidden))).toBe(true)
  })

  it("nesting deeper than 1,000 levels in customData is Logto's 500 (its recursive zod guard overflows the stack past ~1,100 on Node 22: most likely), the proxy's 400 at that key; a key Logto drops may nest deeper", () => {
    const nested = (open: string, close: string, levels: number) => `${open.repeat(levels)}${close.repeat(levels)}`
    const body = (customData: string, extra = "") => `{"name":"o","customData":${customData}${extra}}`
    for (const ok of [
      body(`{"a":${nested("[", "]", Validation.maxBodyDepth - 1)}}`),
      body(`${nested('{"a":', "}", Validation.maxBodyDepth - 1).replace(/}+$/, (c) => `1${c}`)}`),
      body("{}", `,"unread":${nested("[", "]", 200_000)}`)
    ]) {
      expect(Result.isSuccess(request("UpdateOrganization", "", "application/json", ok))).toBe(true)
    }
    for (const levels of [Validation.maxBodyDepth, 200_000]) {
      const result = request("CreateOrganization", "", "application/json", body(`{"a":${nested("[", "]", levels)}}`))
      expect(Result.isFailure(result) && result.failure).toEqual({
        status: 500,
        body: { message: "Internal server error." },
        callerError: {
          status: 400,
          body: {
            code: "guard.invalid_input",
            message: "The request body is invalid.",
            data: {
              issues: [{ code: "custom", message: "Nested more than 1000 levels deep", path: ["customData"] }],
              name: "ZodError"
            },
            details: 'Error in key path "customData": (custom) Nested more than 1000 levels deep'
          }
        }
      })
    }
  })

  it("parses and validates the body it is given, and ignores a body where the operation has none", () => {
    const ok = request("AddOrganizationUsers", "", "application/json; charset=utf-8", '{"userIds":["u1"],"x":1}')
    expect(Result.isSuccess(ok) && ok.success.payload).toEqual({ userIds: ["u1"] })
    expect(Result.isSuccess(request("GetOrganization", "", "application/json", "{bad"))).toBe(true)
  })
})

describe("Validation: UpdateOrganization as Logto's database stores it", () => {
  const update = (body: unknown) =>
    Validation.validateRequest(route("UpdateOrganization"), {
      params: { id: "o1" },
      search: new URLSearchParams(),
      contentType: "application/json",
      text: JSON.stringify(body)
    })

  it("ignores id whatever its type ({description, id: null} is valid) [observed]", () => {
    for (const id of [null, 5, "x".repeat(300), { a: 1 }, ["x"]]) {
      const result = update({ description: "x", id })
      expect(Result.isSuccess(result) && result.success.payload, JSON.stringify(id)).toEqual({ description: "x" })
    }
  })

  it("answers a body with nothing but id, or nothing known, 422 entity.invalid_input like {} [observed]", () => {
    for (const body of [{ id: 5 }, {}, { id: "o1" }, { unknown: 1 }]) {
      expect(update(body)).toEqual(
        Result.fail({
          status: 422,
          body: { code: "entity.invalid_input", message: "Invalid input. Value list must not be empty." }
        })
      )
    }
  })

  it("never reports a validation issue at id", () => {
    const result = update({ name: "", id: 5 })
    const issues = Result.isFailure(result)
      ? (result.failure.body as { data: { issues: Array<{ path: Array<string> }> } }).data.issues
      : []
    expect(issues.map((i) => i.path.join("."))).toEqual(["name"])
  })

  it("answers createdAt outside PostgreSQL's timestamp range with Logto's 500, and a 400 at createdAt for callers", () => {
    const { min, end } = Validation.timestampRange
    for (const createdAt of [min, 0, end - 2])
      expect(Result.isSuccess(update({ createdAt })), String(createdAt)).toBe(true)
    for (const createdAt of [min - 1, end, end + 946_684_800_000, -1e300, 1e300]) {
      const result = update({ createdAt })
      const failure = Result.isFailure(result) ? result.failure : undefined
      expect(failure?.status, String(createdAt)).toBe(500)
      expect(failure?.body).toEqual({ message: "Internal server error." })
      expect(failure?.callerError?.status).toBe(400)
      expect(failure?.callerError?.body).toMatchObject({
        code: "guard.invalid_input",
        message: "The request body is invalid."
      })
      expect(Validation.forCaller(failure!)).toBe(failure?.callerError)
    }
  })

  it("names the bound a createdAt missed in the callers' 400, as zod words number bounds", () => {
    const { min, end } = Validation.timestampRange
    const callerIssues = (createdAt: number) => {
      const result = update({ createdAt })
      const failure = Result.isFailure(result) ? result.failure : undefined
      return (failure?.callerError?.body as { data: { issues: Array<unknown> }; details: string } | undefined) ?? {}
    }
    expect(callerIssues(min - 1)).toMatchObject({
      data: {
        issues: [
          {
            code: "too_small",
            minimum: min,
            type: "number",
            inclusive: true,
            exact: false,
            path: ["createdAt"],
            message: `Number must be greater than or equal to ${min}`
          }
        ]
      },
      details: `Error in key path "createdAt": (too_small) Number must be greater than or equal to ${min}`
    })
    expect(callerIssues(end)).toMatchObject({
      data: {
        issues: [
          {
            code: "too_big",
            maximum: end,
            type: "number",
            inclusive: false,
            exact: false,
            path: ["createdAt"],
            message: `Number must be less than ${end}`
          }
        ]
      },
      details: `Error in key path "createdAt": (too_big) Number must be less than ${end}`
    })
  })
})

describe("Validation: a nullable field of the wrong type", () => {
  it("reports zod's invalid_type (expected the inner type), not invalid_union, as .nullable() does", () => {
    const result = Validation.validateRequest(route("UpdateOrganization"), {
      params: { id: "o1" },
      search: new URLSearchParams(),
      contentType: "application/json",
      text: '{"description":5,"customCss":true}'
    })
    const body = Result.isFailure(result) ? (result.failure.body as { data: { issues: Array<unknown> } }) : undefined
    expect(body?.data.issues).toEqual([
      {
        code: "invalid_type",
        expected: "string",
        received: "number",
        path: ["description"],
        message: "Expected string, received number"
      },
      {
        code: "invalid_type",
        expected: "string",
        received: "boolean",
        path: ["customCss"],
        message: "Expected string, received boolean"
      }
    ])
  })
})
