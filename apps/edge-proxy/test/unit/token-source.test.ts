import { describe, expect, it } from "vitest"
import { clientCredentials, refreshMarginMs } from "../../src/token-source.ts"
import { answer, scriptedUpstream, testPlatform } from "../fixtures/ports.ts"

const tokenAnswer = (token: string, expiresIn = 3600) =>
  answer(200, { access_token: token, expires_in: expiresIn, token_type: "Bearer", scope: "all" })

const setup = (respond: (n: number) => ReturnType<typeof answer> | Promise<ReturnType<typeof answer>>) => {
  const platform = testPlatform()
  let n = 0
  const upstream = scriptedUpstream(() => respond(++n))
  const tokens = clientCredentials({
    upstream,
    clientId: "proxy client",
    clientSecret: "s3cr:et",
    resource: "https://default.logto.app/api",
    timeoutMs: 1000,
    now: platform.now
  })
  return { platform, upstream, tokens }
}

describe("clientCredentials", () => {
  it("asks /oidc/token with Basic client authentication, the resource and scope all", async () => {
    const { upstream, tokens } = setup(() => tokenAnswer("t1"))
    expect(await tokens.get()).toBe("t1")
    const request = upstream.requests[0]!
    expect([request.method, request.target]).toEqual(["POST", "/oidc/token"])
    expect(request.headers["authorization"]).toBe(`Basic ${btoa("proxy%20client:s3cr%3Aet")}`)
    expect(new TextDecoder().decode(request.body)).toBe(
      "grant_type=client_credentials&resource=https%3A%2F%2Fdefault.logto.app%2Fapi&scope=all"
    )
  })

  it("caches the token until shortly before it expires", async () => {
    const { platform, upstream, tokens } = setup((n) => tokenAnswer(`t${n}`, 3600))
    expect(await tokens.get()).toBe("t1")
    platform.advance(3600_000 - refreshMarginMs(3600_000) - 1)
    expect(await tokens.get()).toBe("t1")
    platform.advance(1)
    expect(await tokens.get()).toBe("t2")
    expect(upstream.requests).toHaveLength(2)
  })

  it("fetches once for concurrent callers", async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { upstream, tokens } = setup(async (n) => (await gate, tokenAnswer(`t${n}`)))
    const all = Promise.all([tokens.get(), tokens.get(), tokens.get()])
    release()
    expect(await all).toEqual(["t1", "t1", "t1"])
    expect(upstream.requests).toHaveLength(1)
  })

  it("drops an invalidated token only if it is still the current one", async () => {
    const { upstream, tokens } = setup((n) => tokenAnswer(`t${n}`))
    await tokens.get()
    tokens.invalidate("t1")
    expect(await tokens.get()).toBe("t2")
    tokens.invalidate("t1")
    expect(await tokens.get()).toBe("t2")
    expect(upstream.requests).toHaveLength(2)
  })

  it("turns a refused grant into 502 proxy.upstream_auth_failed and tries again next time", async () => {
    const { tokens } = setup((n) =>
      n === 1
        ? answer(401, { error: "invalid_client", error_description: "client authentication failed" })
        : tokenAnswer("t2")
    )
    await expect(tokens.get()).rejects.toMatchObject({
      status: 502,
      body: { code: "proxy.upstream_auth_failed", message: expect.stringContaining("401 (invalid_client)") }
    })
    expect(await tokens.get()).toBe("t2")
  })

  it("rejects answers without a usable token", async () => {
    const { tokens } = setup(() => answer(200, { token_type: "Bearer" }))
    await expect(tokens.get()).rejects.toMatchObject({ status: 502 })
  })
})
