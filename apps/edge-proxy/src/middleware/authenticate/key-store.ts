import type { ApiKey } from "../../config.ts"
import type { Platform } from "../../ports.ts"
import type { Principal } from "../../principal.ts"

/** Resolves an `Authorization` header to the principal of a configured proxy key. */
export interface KeyStore {
  /** The principal memoized for this exact header value: the hot path, one `Map` lookup. */
  readonly cached: (authorization: string) => Principal | undefined
  /** Hashes the token and compares it with every configured key in constant time; memoizes a match. */
  readonly verify: (authorization: string, token: string) => Promise<Principal | undefined>
}

interface Entry {
  readonly hash: Uint8Array
  readonly principal: Principal
}

const encoder = new TextEncoder()

const fromHex = (hex: string): Uint8Array => {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** Compares two digests without an early exit. */
export const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

const principalOf = (key: ApiKey): Principal => ({
  id: key.id,
  name: key.name,
  scopes: new Set(key.scopes),
  organizations: key.organizations === undefined ? undefined : new Set(key.organizations),
  rateLimit: key.rateLimit
})

/**
 * Builds the key store. Plaintext keys are hashed once, on first use; presented tokens are hashed
 * (SHA-256) and compared with every key's hash without an early exit, so neither the key material
 * nor which key matched leaks through timing. Only matching headers are memoized, so the memo
 * holds at most one entry per configured key and unknown tokens cannot grow it.
 */
export const makeKeyStore = (keys: ReadonlyArray<ApiKey>, digest: Platform["digest"]): KeyStore => {
  const memo = new Map<string, Principal>()
  let entries: Promise<ReadonlyArray<Entry>> | undefined
  const load = () =>
    (entries ??= Promise.all(
      keys.map(async (key): Promise<Entry> => ({
        hash:
          key.keyHash !== undefined
            ? fromHex(key.keyHash.slice("sha256:".length))
            : await digest("SHA-256", encoder.encode(key.key ?? "")),
        principal: principalOf(key)
      }))
    ))
  return {
    cached: (authorization) => memo.get(authorization),
    verify: async (authorization, token) => {
      const [all, hash] = await Promise.all([load(), digest("SHA-256", encoder.encode(token))])
      let found: Principal | undefined
      for (const entry of all) {
        if (constantTimeEqual(hash, entry.hash) && found === undefined) found = entry.principal
      }
      if (found !== undefined) memo.set(authorization, found)
      return found
    }
  }
}
