/**
 * Seeded and unseeded randomness for ids, tokens and fault injection.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number

/** mulberry32: a small, fast, deterministic PRNG (32-bit state). */
export const seeded = (seed: number): Rng => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const buffer = new Uint32Array(256)
let cursor = buffer.length

/** Uniform numbers from WebCrypto, drawn in batches. */
export const secure: Rng = () => {
  if (cursor >= buffer.length) {
    crypto.getRandomValues(buffer)
    cursor = 0
  }
  return buffer[cursor++]! / 4294967296
}

/** Logto's id alphabet: nanoid's custom alphabet `[0-9a-z]`. */
export const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

/** A random string of `length` characters from `alphabet`. */
export const randomString = (rng: Rng, length: number, alphabet: string = idAlphabet): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)]
  return out
}
