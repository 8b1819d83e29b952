/**
 * Canonical JSON and SHA-256, the two primitives of the hash chain. The canonical form is RFC 8785
 * (JCS) for the values the audit trail stores: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as `JSON.stringify` writes them, `undefined` members left out.
 * Anyone can recompute a hash with any JCS library and `sha256sum`.
 */

/**
 * The canonical JSON text of a value (RFC 8785 for strings, finite numbers, booleans, null, arrays
 * and objects). Throws on values JSON cannot represent (non-finite numbers, functions, bigints).
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null) return "null"
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value)
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("canonicalJson: non-finite number")
      return JSON.stringify(value)
    case "object": {
      if (Array.isArray(value))
        return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(",")}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`)
  }
}

const encoder = new TextEncoder()

/** Lower-case hex SHA-256 of a string's UTF-8 bytes, with WebCrypto (Workers and Node alike). */
export const sha256Hex = (text: string): Promise<string> => sha256HexBytes(encoder.encode(text))

/** Lower-case hex SHA-256 of bytes, with WebCrypto. */
export const sha256HexBytes = async (bytes: Uint8Array): Promise<string> => {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource))
  let out = ""
  for (const byte of digest) out += byte.toString(16).padStart(2, "0")
  return out
}

/** The `prevHash` of the first entry. */
export const genesisHash = "0".repeat(64)
