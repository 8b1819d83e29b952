import { describe, expect, it } from "vitest"
import { answer, at, bearer, keys, scriptedUpstream, testApp, testPlatform } from "../../../test/fixtures/ports.ts"
import { constantTimeEqual, identify, makeKeyStore } from "./index.ts"

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")

const get = (authorization?: string) => (authorization === undefined ? {} : { headers: { authorization } })

describe("authenticate", () => {
  it("answers a missing Authorization header with Logto's 401", async () => {
    const { app, upstream } = testApp()
    const response = await app.request(at("/api/organizations"))
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8")
    expect(await response.text()).toBe(
      '{"code":"auth.authorization_header_missing","message":"Authorization header is missing."}'
    )
    expect(upstream.requests).toHaveLength(0)
  })

  it("answers another scheme (case-sensitive, as Logto) with authorization_token_type_not_supported", async () => {
    const { app } = testApp()
    for (const header of ["Basic abc", "bearer " + keys.admin.key, "Token x"]) {
      const response = await app.request(at("/api/organizations"), get(header))
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        code: "auth.authorization_token_type_not_supported",
        message: "Authorization type is not supported.",
        data: { supportedTypes: ["Bearer"] }
      })
    }
  })

  it("answers an unknown key, an empty one or one after two spaces with auth.unauthorized", async () => {
    const { app, upstream } = testApp()
    for (const header of ["Bearer nope-nope-nope-nope", "Bearer", "Bearer ", `Bearer  ${keys.admin.key}`]) {
      const response = await app.request(at("/api/organizations"), get(header))
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        code: "auth.unauthorized",
        message: "Unauthorized. Please check credentials and its scope.",
        data: { code: "ERR_JWS_INVALID", name: "JWSInvalid" }
      })
    }
    expect(upstream.requests).toHaveLength(0)
  })

  it("lets a read-only key read and answers its writes with 403 auth.forbidden", async () => {
    const { app, upstream } = testApp()
    const read = await app.request(at("/api/organizations/o1"), get(`Bearer ${keys.reader.key}`))
    expect(read.status).toBe(200)
    const write = await app.request(at("/api/organizations"), {
      method: "POST",
      headers: { ...bearer(keys.reader), "content-type": "application/json" },
      body: JSON.stringify({ name: "x" })
    })
    expect(write.status).toBe(403)
    expect(await write.json()).toEqual({
      code: "auth.forbidden",
      message: "Forbidden. Please check your user roles and permissions."
    })
    expect(upstream.requests).toHaveLength(1)
  })

  it("confines an organization-restricted key to its organizations and forbids creating one", async () => {
    const { app, upstream } = testApp()
    const own = await app.request(at("/api/organizations/org-acme/users"), { headers: bearer(keys.acme) })
    const other = await app.request(at("/api/organizations/org-other/users"), { headers: bearer(keys.acme) })
    const encoded = await app.request(at("/api/organizations/org%2Dacme"), { headers: bearer(keys.acme) })
    const create = await app.request(at("/api/organizations"), {
      method: "POST",
      headers: { ...bearer(keys.acme), "content-type": "application/json" },
      body: '{"name":"new"}'
    })
    expect([own.status, other.status, encoded.status, create.status]).toEqual([200, 403, 200, 403])
    expect(upstream.requests.map((r) => r.target)).toEqual([
      "/api/organizations/org-acme/users",
      "/api/organizations/org-acme"
    ])
  })

  it("accepts keys configured as sha256 hashes", async () => {
    const secret = "hashed-key-0123456789"
    const { app } = testApp({
      keys: [{ id: "h", name: "hashed", keyHash: `sha256:${await sha256Hex(secret)}`, scopes: ["read"] }]
    })
    expect((await app.request(at("/api/organizations/o1"), get(`Bearer ${secret}`))).status).toBe(200)
    expect((await app.request(at("/api/organizations/o1"), get(`Bearer ${secret}x`))).status).toBe(401)
  })

  it("hashes a key once and then answers it from the memo", async () => {
    const platform = testPlatform()
    let digests = 0
    const counting = {
      ...platform,
      digest: (a: "SHA-1" | "SHA-256", d: Uint8Array) => (digests++, platform.digest(a, d))
    }
    const { app } = testApp({ platform: counting, upstream: scriptedUpstream(() => answer(200, {})) })
    for (let i = 0; i < 5; i++) await app.request(at("/api/organizations/o1"), { headers: bearer(keys.reader) })
    // One digest per configured plaintext key (3) plus the presented one, once.
    expect(digests).toBe(4)
    for (let i = 0; i < 2; i++) await app.request(at("/api/organizations/o1"), get("Bearer unknown-unknown-unknown"))
    expect(digests).toBe(6)
  })

  it("remembers only keys that matched", async () => {
    const store = makeKeyStore([keys.admin], testPlatform().digest)
    expect(await store.verify("Bearer nope", "nope")).toBeUndefined()
    expect(store.cached("Bearer nope")).toBeUndefined()
    expect((await store.verify(`Bearer ${keys.admin.key}`, keys.admin.key))?.id).toBe("admin")
    expect(store.cached(`Bearer ${keys.admin.key}`)?.id).toBe("admin")
  })

  it("compares digests of equal length only, byte by byte", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
  })

  it("answers an empty bearer token 401 even when a key's hash is the empty string's", async () => {
    const store = makeKeyStore(
      [{ id: "empty", name: "Empty", keyHash: `sha256:${await sha256Hex("")}`, scopes: ["read"] }],
      testPlatform().digest
    )
    for (const header of ["Bearer", "Bearer ", "Bearerx"]) {
      expect(await identify(store, header), header).toMatchObject({ status: 401, body: { code: "auth.unauthorized" } })
    }
    expect(await identify(store, "bearer x")).toMatchObject({
      status: 401,
      body: { code: "auth.authorization_token_type_not_supported" }
    })
  })
})
