/**
 * The key store on its own: which principal a presented token resolves to (plaintext keys and
 * `sha256:` hashes), what it memoizes, the constant-time comparison, and `mayTouch`.
 */
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { ApiKey } from "../../src/config.ts"
import { constantTimeEqual, makeKeyStore } from "../../src/middleware/authenticate/key-store.ts"
import { mayTouch, type Principal } from "../../src/principal.ts"
import { testPlatform } from "../fixtures/ports.ts"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

const plain: ApiKey = {
  id: "plain",
  name: "Plain team",
  key: "plain-key-0123456789",
  scopes: ["read", "write"],
  organizations: ["o1", "o2"],
  rateLimit: { requests: 10, perSeconds: 60 }
}
const hashed: ApiKey = {
  id: "hashed",
  name: "Hashed team",
  keyHash: `sha256:${sha256("hashed-key-0123456789")}`,
  scopes: ["read"]
}
const upper: ApiKey = {
  id: "upper",
  name: "Upper-case hash",
  keyHash: `sha256:${sha256("upper-key-0123456789").toUpperCase()}`,
  scopes: ["audit:read"]
}

/** A key store over the test platform's real digest, counting the digests it takes. */
const store = (keys: ReadonlyArray<ApiKey>) => {
  const platform = testPlatform()
  const digested: Array<string> = []
  const keyStore = makeKeyStore(keys, (algorithm, data) => {
    digested.push(new TextDecoder().decode(data))
    return platform.digest(algorithm, data)
  })
  return { keyStore, digested }
}

describe("key store", () => {
  it("resolves a plaintext key and a sha256: hash (either case) to their principals", async () => {
    const { keyStore } = store([plain, hashed, upper])
    const principal = await keyStore.verify("Bearer plain-key-0123456789", "plain-key-0123456789")
    expect(principal).toEqual({
      id: "plain",
      name: "Plain team",
      scopes: new Set(["read", "write"]),
      organizations: new Set(["o1", "o2"]),
      rateLimit: { requests: 10, perSeconds: 60 }
    })
    const other = await keyStore.verify("Bearer hashed-key-0123456789", "hashed-key-0123456789")
    expect([other?.id, other?.scopes, other?.organizations, other?.rateLimit]).toEqual([
      "hashed",
      new Set(["read"]),
      undefined,
      undefined
    ])
    expect((await keyStore.verify("Bearer upper-key-0123456789", "upper-key-0123456789"))?.id).toBe("upper")
  })

  it("refuses a token that is no key: another key's hash text, a prefix, an extension", async () => {
    const { keyStore } = store([plain, hashed])
    for (const token of [
      hashed.keyHash!,
      sha256("hashed-key-0123456789"),
      "plain-key-012345678",
      "plain-key-01234567890",
      ""
    ]) {
      expect([token, await keyStore.verify(`Bearer ${token}`, token)]).toEqual([token, undefined])
    }
  })

  it("memoizes only the headers that matched, so unknown tokens cannot grow the memo", async () => {
    const { keyStore } = store([plain])
    expect(keyStore.cached("Bearer plain-key-0123456789")).toBeUndefined()
    await keyStore.verify("Bearer nope-0000000000000000", "nope-0000000000000000")
    expect(keyStore.cached("Bearer nope-0000000000000000")).toBeUndefined()
    const principal = await keyStore.verify("Bearer plain-key-0123456789", "plain-key-0123456789")
    expect(keyStore.cached("Bearer plain-key-0123456789")).toBe(principal)
    // The memo is per header value: another spelling of the same token is verified again.
    expect(keyStore.cached("bearer plain-key-0123456789")).toBeUndefined()
  })

  it("hashes the configured plaintext keys once, on first use, and each presented token once", async () => {
    const { keyStore, digested } = store([plain, hashed])
    expect(digested).toEqual([])
    await keyStore.verify("Bearer a-token-0000000000000", "a-token-0000000000000")
    await keyStore.verify("Bearer b-token-0000000000000", "b-token-0000000000000")
    expect(digested.sort()).toEqual(["a-token-0000000000000", "b-token-0000000000000", "plain-key-0123456789"].sort())
  })

  it("answers the first configured key whose hash matches", async () => {
    const { keyStore } = store([plain, { ...plain, id: "second", name: "Second" }])
    expect((await keyStore.verify("Bearer plain-key-0123456789", "plain-key-0123456789"))?.id).toBe("plain")
  })
})

describe("constantTimeEqual", () => {
  it("is true only for the same bytes, whichever byte differs, and false for another length", () => {
    const bytes = (...values: Array<number>) => new Uint8Array(values)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true)
    expect(constantTimeEqual(bytes(), bytes())).toBe(true)
    expect(constantTimeEqual(bytes(9, 2, 3), bytes(1, 2, 3))).toBe(false)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false)
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 0))).toBe(false)
    expect(constantTimeEqual(bytes(1, 2, 0), bytes(1, 2))).toBe(false)
  })
})

describe("mayTouch", () => {
  const principal = (organizations: ReadonlyArray<string> | undefined): Principal => ({
    id: "k",
    name: "K",
    scopes: new Set(["read"]),
    organizations: organizations === undefined ? undefined : new Set(organizations)
  })

  it("lets a key without an organization list touch any organization, and a restricted one only its own", () => {
    expect(mayTouch(principal(undefined), "anything")).toBe(true)
    expect([
      mayTouch(principal(["o1"]), "o1"),
      mayTouch(principal(["o1"]), "o2"),
      mayTouch(principal([]), "o1")
    ]).toEqual([true, false, false])
  })
})
