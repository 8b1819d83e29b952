/**
 * The proxy's keys (`ORGKIT_API_KEYS`): what an entry may say and how the setting is decoded. A
 * mistake in a key must never widen it, so unknown fields, duplicates and a hash of the empty string
 * are refused.
 */
import * as Schema from "effect/Schema"
import { decodeWith, expecting, Required, Token } from "./internal/setting.ts"
import type { Rate } from "./limits/rate.ts"
import { type Scope, scopes } from "./principal.ts"

/** A proxy key as configured in `ORGKIT_API_KEYS`. Exactly one of `key` and `keyHash` is set. */
export interface ApiKey {
  readonly id: string
  readonly name: string
  /** The key in plaintext. */
  readonly key?: string
  /** `sha256:<64 hex digits>`: the SHA-256 of the key (lower-cased). */
  readonly keyHash?: string
  readonly scopes: ReadonlyArray<Scope>
  /** The organization ids the key may touch; absent means every organization. */
  readonly organizations?: ReadonlyArray<string>
  /** The key's quota (keys without one get `ORGKIT_RATE_LIMIT`, if set). */
  readonly rateLimit?: Rate
}

const ApiKeyEntry = Schema.Struct({
  id: expecting("a string of 1 to 128 characters", (s) => s.length >= 1 && s.length <= 128),
  name: expecting("a string of 1 to 128 characters", (s) => s.length >= 1 && s.length <= 128),
  key: Schema.optionalKey(Token),
  keyHash: Schema.optionalKey(
    expecting('"sha256:" followed by 64 hex digits', (s) => /^sha256:[0-9a-fA-F]{64}$/.test(s))
  ),
  scopes: Schema.Array(
    expecting(`one of ${scopes.map((s) => `"${s}"`).join(", ")}`, (s) => (scopes as ReadonlyArray<string>).includes(s))
  ).check(Schema.isMinLength(1)),
  organizations: Schema.optionalKey(Schema.Array(Required).check(Schema.isMinLength(1))),
  rateLimit: Schema.optionalKey(
    Schema.Struct({
      requests: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1_000_000_000 })),
      perSeconds: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 86_400 }))
    })
  )
})

const ApiKeys = Schema.Array(ApiKeyEntry).check(Schema.isMinLength(1))

/** The fields a key entry may have: anything else (`"orgs"` for `organizations`) is refused. */
const keyFields: ReadonlyArray<string> = Object.keys(ApiKeyEntry.fields)

/** `sha256:` of the empty string: what a key hashed from an unset variable gives. */
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/**
 * The keys of `ORGKIT_API_KEYS` (`name`), decoded: a JSON array of entries with known fields only,
 * exactly one of `key` and `keyHash` each, unique ids and secrets; `undefined` with one problem per
 * mistake (never a secret's value).
 */
export const parseKeys = (problems: Array<string>, name: string, raw: unknown): ReadonlyArray<ApiKey> | undefined => {
  if (typeof raw !== "string" || raw.trim() === "") {
    problems.push(`${name}: is required (a JSON array of keys, see README.md)`)
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    problems.push(`${name}: is not valid JSON`)
    return undefined
  }
  if (Array.isArray(json)) {
    json.forEach((entry: unknown, i) => {
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return
      for (const field of Object.keys(entry)) {
        if (!keyFields.includes(field)) {
          problems.push(`${name} [${i}]: unknown field "${field}" (the fields are ${keyFields.join(", ")})`)
        }
      }
    })
  }
  const keys = decodeWith(problems, name, ApiKeys, json)
  if (keys === undefined || problems.length > 0) return undefined
  const before = problems.length
  const ids = new Set<string>()
  const secrets = new Set<string>()
  keys.forEach((k, i) => {
    if ((k.key === undefined) === (k.keyHash === undefined)) {
      problems.push(`${name} [${i}]: needs exactly one of "key" and "keyHash"`)
    }
    if (ids.has(k.id)) problems.push(`${name} [${i}]: duplicate id "${k.id}"`)
    ids.add(k.id)
    if (k.keyHash?.toLowerCase() === `sha256:${emptyHash}`) {
      problems.push(`${name} [${i}]: keyHash is the SHA-256 of the empty string (was the key variable unset?)`)
    }
    const secret = k.key ?? k.keyHash?.toLowerCase()
    if (secret !== undefined && secrets.has(secret)) problems.push(`${name} [${i}]: the same key is configured twice`)
    if (secret !== undefined) secrets.add(secret)
  })
  if (problems.length > before) return undefined
  return keys.map((k) => ({
    id: k.id,
    name: k.name,
    ...(k.key === undefined ? {} : { key: k.key }),
    ...(k.keyHash === undefined ? {} : { keyHash: k.keyHash.toLowerCase() }),
    scopes: [...new Set(k.scopes)] as Array<Scope>,
    ...(k.organizations === undefined ? {} : { organizations: k.organizations }),
    ...(k.rateLimit === undefined ? {} : { rateLimit: k.rateLimit })
  }))
}
