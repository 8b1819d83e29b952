import { describe, expect, it } from "vitest"
import { answer, at, bearer, keys, scriptedUpstream, testApp } from "../../../test/fixtures/ports.ts"

const json = { ...bearer(keys.admin), "content-type": "application/json" }
const decoder = new TextDecoder()

const post = (path: string, body: BodyInit, headers: Record<string, string> = json, method = "POST") =>
  ({ input: at(path), init: { method, headers, body } }) as const

describe("validate", () => {
  it("remembers a bodiless request's validation by method and target only: another query or method is validated anew", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(200, [])) })
    const admin = { headers: bearer(keys.admin) }
    for (let i = 0; i < 2; i++) {
      expect((await app.request(at("/api/organizations?page=2&page_size=5"), admin)).status).toBe(200)
    }
    expect((await app.request(at("/api/organizations?page=abc"), admin)).status).toBe(400)
    expect((await app.request(at("/api/organizations?page=2&page_size=0"), admin)).status).toBe(400)
    // The remembered pagination is the one of its own target.
    expect(upstream.requests.map((r) => r.target)).toEqual([
      "/api/organizations?page=2&page_size=5",
      "/api/organizations?page=2&page_size=5"
    ])
  })

  it("answers malformed JSON with Logto's message-only 400 and forwards nothing", async () => {
    const { app, upstream } = testApp()
    const r = post("/api/organizations", '{"name": "x",}')
    const response = await app.request(r.input, r.init)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ message: expect.stringContaining("JSON") })
    const scalar = await app.request(at("/api/organizations"), { method: "POST", headers: json, body: "null" })
    expect(await scalar.json()).toEqual({ message: "invalid JSON, only supports object and array" })
    expect(upstream.requests).toHaveLength(0)
  })

  it("answers a failing field with Logto's exact guard.invalid_input body (the spec's example)", async () => {
    const { app, upstream } = testApp()
    const response = await app.request(at("/api/organizations"), { method: "POST", headers: json, body: '{"name":""}' })
    expect(response.status).toBe(400)
    expect(await response.text()).toBe(
      '{"code":"guard.invalid_input","message":"The request body is invalid.","data":{"issues":[{"code":"too_small","minimum":1,"type":"string","inclusive":true,"exact":false,"message":"String must contain at least 1 character(s)","path":["name"]}],"name":"ZodError"},"details":"Error in key path \\"name\\": (too_small) String must contain at least 1 character(s)"}'
    )
    expect(upstream.requests).toHaveLength(0)
  })

  it("is never stricter than Logto: unknown keys pass and the caller's bytes are forwarded", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(201, { id: "o1" })) })
    const body = '{"name":"Acme","foo":1,"color":{"primaryColor":"#ABC","extra":true}}'
    const response = await app.request(at("/api/organizations"), { method: "POST", headers: json, body })
    expect(response.status).toBe(201)
    expect(decoder.decode(upstream.requests[0]!.body)).toBe(body)
    expect(upstream.requests[0]!.headers["content-type"]).toBe("application/json")
  })

  it("parses bodies as Logto does: form bodies pass, no content type means {}", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(201, { id: "o1" })) })
    const form = await app.request(at("/api/organizations"), {
      method: "POST",
      headers: { ...bearer(keys.admin), "content-type": "application/x-www-form-urlencoded" },
      body: "name=Foo+Bar"
    })
    expect(form.status).toBe(201)
    expect(upstream.requests[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded")
    const untyped = await app.request(at("/api/organizations"), {
      method: "POST",
      headers: bearer(keys.admin),
      body: new TextEncoder().encode('{"name":"x"}')
    })
    expect(untyped.status).toBe(400)
    expect(await untyped.json()).toMatchObject({
      code: "guard.invalid_input",
      details: expect.stringContaining('"name"')
    })
    expect(upstream.requests).toHaveLength(1)
  })

  it("refuses bodies over 1 MiB with 413, whether announced or streamed, and accepts exactly 1 MiB", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(201, { id: "o1" })) })
    const prefix = '{"name":"x","customData":{"pad":"'
    const exact = prefix + "a".repeat(1_048_576 - prefix.length - 3) + '"}}'
    expect(exact.length).toBe(1_048_576)
    const ok = await app.request(at("/api/organizations"), { method: "POST", headers: json, body: exact })
    expect(ok.status).toBe(201)
    const over = exact.replace('"pad":"', '"pad":"a')
    const announced = await app.request(at("/api/organizations"), { method: "POST", headers: json, body: over })
    expect(announced.status).toBe(413)
    expect(await announced.json()).toEqual({
      code: "proxy.payload_too_large",
      message: "The request body is larger than 1048576 bytes."
    })
    const bytes = new TextEncoder().encode(over)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536))
        controller.close()
      }
    })
    const streamed = await app.request(at("/api/organizations"), {
      method: "POST",
      headers: json,
      body: stream,
      duplex: "half"
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(upstream.requests).toHaveLength(1)
  })

  it("answers pagination mistakes as Logto, with a 400 where Logto would answer 500 (page=0.5)", async () => {
    const { app, upstream } = testApp()
    const status = async (query: string) => {
      const response = await app.request(at(`/api/organizations?${query}`), { headers: bearer(keys.admin) })
      return [response.status, ((await response.json()) as { code?: string }).code]
    }
    expect(await status("page=abc")).toEqual([400, "guard.invalid_pagination"])
    expect(await status("page_size=101")).toEqual([400, "guard.invalid_pagination"])
    expect(await status("page=1&page=2")).toEqual([400, "guard.invalid_pagination"])
    expect(await status("page=0.5")).toEqual([400, "guard.invalid_pagination"])
    expect(await status("page_size=2.5")).toEqual([422, "entity.invalid_input"])
    expect(await status("q=a&q=b")).toEqual([400, "guard.invalid_input"])
    expect(upstream.requests).toHaveLength(0)
    expect(await status("page=1e1&page_size=0x10")).toEqual([200, undefined])
  })

  it("answers an UpdateOrganization createdAt outside PostgreSQL's timestamp range with 400 instead of Logto's 500", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(200, { id: "o1" })) })
    const patch = (body: string) => app.request(at("/api/organizations/o1"), { method: "PATCH", headers: json, body })
    const far = await patch('{"createdAt":1e20}')
    expect(far.status).toBe(400)
    expect(await far.json()).toMatchObject({
      code: "guard.invalid_input",
      message: "The request body is invalid.",
      data: { issues: [{ code: "too_big", path: ["createdAt"] }], name: "ZodError" }
    })
    expect((await patch('{"createdAt":-5}')).status).toBe(200)
    expect(upstream.requests).toHaveLength(1)
  })

  it("ignores and does not forward a body on DELETE, as Logto does", async () => {
    const { app, upstream } = testApp({ upstream: scriptedUpstream(() => answer(204, undefined)) })
    const response = await app.request(at("/api/organizations/o1"), { method: "DELETE", headers: json, body: "{bad" })
    expect(response.status).toBe(204)
    expect(upstream.requests[0]!.body).toBeUndefined()
    expect(upstream.requests[0]!.headers["content-type"]).toBeUndefined()
  })
})
