import { afterAll, describe, expect, it } from "vitest"
import { FakeLogto } from "../src/index.ts"
import { makeCall } from "./helpers.ts"

let clock = 1_800_000_000_000
const fake = FakeLogto.make({
  clients: [{ clientId: "m2m-app", clientSecret: "s3cr+t:x" }],
  tokenTtlSeconds: 60,
  now: () => clock
})
afterAll(() => fake.dispose())

const resource = "https://default.logto.app/api"
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`

const token = async (body: string, headers: Record<string, string> = {}) => {
  const response = await fake.fetch(
    new Request("http://logto.test/oidc/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body
    })
  )
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>
  }
}

const api = (accessToken: string) => makeCall(fake.fetch, "http://logto.test", accessToken)("GET", "/api/organizations")

describe("POST /oidc/token", () => {
  it("issues an expiring bearer token for client credentials in a Basic header", async () => {
    const r = await token(form({ grant_type: "client_credentials", resource, scope: "all" }), {
      authorization: basic("m2m-app", "s3cr+t:x")
    })
    expect(r.status).toBe(200)
    expect(r.headers.get("cache-control")).toBe("no-store")
    expect(r.body).toEqual({ access_token: r.body["access_token"], expires_in: 60, token_type: "Bearer", scope: "all" })
    expect((await api(String(r.body["access_token"]))).status).toBe(200)
  })

  it("accepts client credentials in the form", async () => {
    const r = await token(
      form({
        grant_type: "client_credentials",
        resource,
        scope: "all",
        client_id: "m2m-app",
        client_secret: "s3cr+t:x"
      })
    )
    expect(r.status).toBe(200)
  })

  it("expires tokens on the injected clock with JWTExpired", async () => {
    const r = await token(form({ grant_type: "client_credentials", resource, scope: "all" }), {
      authorization: basic("m2m-app", "s3cr+t:x")
    })
    const accessToken = String(r.body["access_token"])
    clock += 59_000
    expect((await api(accessToken)).status).toBe(200)
    clock += 1_000
    const expired = await api(accessToken)
    expect(expired.status).toBe(401)
    expect(expired.body).toEqual({
      code: "auth.unauthorized",
      message: "Unauthorized. Please check credentials and its scope.",
      data: { code: "ERR_JWT_EXPIRED", name: "JWTExpired" }
    })
  })

  it("issues a token without scope all when scope is omitted; the API then answers 403", async () => {
    const r = await token(form({ grant_type: "client_credentials", resource }), {
      authorization: basic("m2m-app", "s3cr+t:x")
    })
    expect(r.status).toBe(200)
    expect(r.body["scope"]).toBeUndefined()
    const denied = await api(String(r.body["access_token"]))
    expect(denied.status).toBe(403)
    expect(denied.body.code).toBe("auth.forbidden")
  })

  it("answers OAuth errors for bad requests", async () => {
    const auth = { authorization: basic("m2m-app", "s3cr+t:x") }
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [
        form({ grant_type: "client_credentials", resource, scope: "all" }),
        { authorization: basic("m2m-app", "wrong") },
        401,
        "invalid_client"
      ],
      [
        form({ grant_type: "client_credentials", resource, scope: "all" }),
        { authorization: basic("other", "x") },
        401,
        "invalid_client"
      ],
      [form({ grant_type: "client_credentials", resource, scope: "all" }), {}, 400, "invalid_request"],
      [form({ grant_type: "authorization_code", resource }), auth, 400, "unsupported_grant_type"],
      [form({ resource }), auth, 400, "invalid_request"],
      [form({ grant_type: "client_credentials", scope: "all" }), auth, 400, "invalid_target"],
      [
        form({ grant_type: "client_credentials", resource: "https://other/api", scope: "all" }),
        auth,
        400,
        "invalid_target"
      ],
      [form({ grant_type: "client_credentials", resource, scope: "all openid" }), auth, 400, "invalid_scope"],
      [
        form({ grant_type: "client_credentials", resource, client_id: "m2m-app", client_secret: "s3cr+t:x" }),
        auth,
        400,
        "invalid_request"
      ]
    ]
    for (const [body, headers, status, error] of cases) {
      const r = await token(body, headers)
      expect({ status: r.status, error: r.body["error"] }).toEqual({ status, error })
      expect(typeof r.body["error_description"]).toBe("string")
    }
  })

  it("answers invalid_request for a JSON body", async () => {
    const r = await fake.fetch(
      new Request("http://logto.test/oidc/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}"
      })
    )
    expect(r.status).toBe(400)
    expect(((await r.json()) as { error: string }).error).toBe("invalid_request")
  })

  it("accepts no static token unless configured", async () => {
    expect(fake.token).toBeUndefined()
    expect((await api(FakeLogto.defaultToken)).status).toBe(401)
  })

  it("revokes and expires issued tokens on request", async () => {
    const a = fake.issueToken()
    expect((await api(a)).status).toBe(200)
    fake.expireTokens()
    expect((await api(a)).body.data.name).toBe("JWTExpired")
    const b = fake.issueToken()
    fake.revokeTokens()
    expect((await api(b)).body.data.name).toBe("JWSInvalid")
  })
})
