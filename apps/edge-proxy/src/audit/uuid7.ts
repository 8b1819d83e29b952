/**
 * UUIDv7 (RFC 9562): a 48-bit millisecond timestamp, then randomness, so ids sort by creation
 * time as strings. Ids from one generator are strictly increasing, even within one millisecond
 * (the 12-bit `rand_a` field counts, as RFC 9562 §6.2 method 1 allows).
 */

/** Makes ids from a clock; strictly increasing per generator. */
export type UuidV7Generator = (nowMs: number) => string

const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0")
  return out
}

/**
 * A UUIDv7 generator. `random` fills a buffer with random bytes (default: `crypto.getRandomValues`).
 *
 * @example
 * const next = uuidV7Generator()
 * next(Date.now()) // "0193b1c2-7a3e-7c01-9f2d-…"
 */
export const uuidV7Generator = (
  random: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => void crypto.getRandomValues(bytes)
): UuidV7Generator => {
  let lastMs = -1
  let counter = 0
  return (nowMs) => {
    let ms = Math.max(Math.floor(nowMs), 0)
    const bytes = new Uint8Array(16)
    random(bytes)
    if (ms <= lastMs) {
      // Same (or an earlier) millisecond: count on from the last id; borrow the next ms on overflow.
      ms = lastMs
      counter++
      if (counter > 0xfff) {
        ms++
        counter = bytes[6]! & 0x07
      }
    } else {
      // A fresh millisecond: start the counter low so it has room to count.
      counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!
    }
    lastMs = ms
    // 48-bit big-endian timestamp (Math arithmetic: bit operators are 32-bit).
    let t = ms
    for (let i = 5; i >= 0; i--) {
      bytes[i] = t % 256
      t = Math.floor(t / 256)
    }
    bytes[6] = 0x70 | (counter >> 8)
    bytes[7] = counter & 0xff
    bytes[8] = 0x80 | (bytes[8]! & 0x3f)
    const h = hex(bytes)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
}

/** The millisecond timestamp inside a UUIDv7. */
export const uuidV7Time = (id: string): number => Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)

/** Whether a string is a UUIDv7 (lower-case hex, version 7, RFC variant). */
export const isUuidV7 = (id: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)
