const hex = (byte: number): string => byte.toString(16).padStart(2, "0")

/**
 * A random UUID v4 for `x-request-id`. `crypto.randomUUID` exists only in secure contexts in
 * browsers, so plain-http pages fall back to `crypto.getRandomValues`, which exists everywhere.
 */
export const newRequestId = (): string => {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = Array.from(b, hex).join("")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** The header carrying the request id. */
export const requestIdHeader = "x-request-id"
