import { describe, expect, it } from "vitest"
import { Demo, FakeLogto } from "../../src/index.ts"

describe("the fetch handler inside workerd", () => {
  it("serves Logto's answers: lists with headers, ETag/304, plain-text Created, errors, tokens", async () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers")
    const fake = FakeLogto.make({ seed: Demo.seed, tokens: [Demo.token], clients: [Demo.client] })
    const auth = { authorization: `Bearer ${Demo.token}` }
    const list = await fake.fetch(new Request("https://logto.worker/api/organizations?page_size=2", { headers: auth }))
    expect(list.status).toBe(200)
    expect(list.headers.get("total-number")).toBe("3")
    expect(list.headers.get("link")).toContain('rel="next"')
    const etag = list.headers.get("etag")!
    expect(etag).toMatch(/^"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/)
    expect(((await list.json()) as Array<{ id: string }>).map((o) => o.id)).toEqual([
      Demo.ids.organizations.acme,
      Demo.ids.organizations.globex
    ])
    const cached = await fake.fetch(
      new Request("https://logto.worker/api/organizations?page_size=2", { headers: { ...auth, "if-none-match": etag } })
    )
    expect(cached.status).toBe(304)
    const created = await fake.fetch(
      new Request(`https://logto.worker/api/organizations/${Demo.ids.organizations.globex}/jit/roles`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ organizationRoleIds: [Demo.ids.roles.viewer] })
      })
    )
    expect(created.status).toBe(201)
    expect(created.headers.get("content-type")).toBe("text/plain; charset=utf-8")
    expect(await created.text()).toBe("Created")
    const missing = await fake.fetch(new Request("https://logto.worker/api/organizations/nope", { headers: auth }))
    expect(await missing.json()).toEqual({
      code: "entity.not_exists_with_id",
      message: "The organizations with ID `nope` does not exist."
    })
    const token = await fake.fetch(
      new Request("https://logto.worker/oidc/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${btoa(`${Demo.client.clientId}:${Demo.client.clientSecret}`)}`
        },
        body: `grant_type=client_credentials&resource=${encodeURIComponent(FakeLogto.resource)}&scope=all`
      })
    )
    const { access_token } = (await token.json()) as { access_token: string }
    const withToken = await fake.fetch(
      new Request(`https://logto.worker/api/organizations/${Demo.ids.organizations.acme}/users`, {
        headers: { authorization: `Bearer ${access_token}` }
      })
    )
    expect(withToken.headers.get("total-number")).toBe("2")
    await fake.dispose()
  })
})
