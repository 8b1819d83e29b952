/**
 * The checkpoint signing keys: Ed25519 through WebCrypto (Node 22 and workerd alike). The private
 * key is a PKCS#8 document (`ORGKIT_AUDIT_SIGNING_KEY`, PEM or base64 DER); public keys travel as
 * SPKI PEM (`GET /audit/public-key`, `orgkit audit keygen`). A key id is the first 16 hex digits of
 * the SHA-256 of the public key's SPKI DER, so anyone holding the PEM can recompute it.
 */
import { sha256HexBytes } from "./canonical.ts"

/** The signing key's problem, for a start-up message (never contains the key). */
export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "SigningKeyError"
  }
}

/** A public key that checkpoints may be signed with. */
export interface PublicKey {
  readonly keyId: string
  readonly key: CryptoKey
  /** The SPKI PEM, as served by `GET /audit/public-key`. */
  readonly pem: string
}

/** The private key and its public half. */
export interface SigningKey {
  readonly keyId: string
  readonly privateKey: CryptoKey
  readonly publicKey: PublicKey
}

const algorithm = { name: "Ed25519" } as const

// DER prefixes of the two fixed-size Ed25519 encodings (RFC 8410): PKCS#8 (a 32-byte seed follows)
// and SPKI (the 32-byte public key follows).
const pkcs8Prefix = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04])
const spkiPrefix = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

const startsWith = (bytes: Uint8Array, prefix: Uint8Array): boolean =>
  bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte)

/** Base64 (standard or URL alphabet, padding optional) to bytes; `undefined` if it is not base64. */
export const fromBase64 = (text: string): Uint8Array | undefined => {
  const clean = text.replace(/\s+/g, "").replaceAll("-", "+").replaceAll("_", "/")
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined
  try {
    return Uint8Array.from(atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, "=")), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

/** Bytes to standard base64 (padded). */
export const toBase64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Bytes to base64url without padding (signatures). */
export const toBase64Url = (bytes: Uint8Array): string =>
  toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")

const pemBlocks = (text: string, label: string): Array<Uint8Array | undefined> =>
  [...text.matchAll(new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`, "g"))].map((m) =>
    fromBase64(m[1]!)
  )

/** A PEM block of `label` around `der`, 64 characters a line. */
export const toPem = (label: string, der: Uint8Array): string =>
  `-----BEGIN ${label}-----\n${toBase64(der)
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END ${label}-----\n`

/**
 * The DER of an Ed25519 PKCS#8 private key given as PEM (`-----BEGIN PRIVATE KEY-----`) or as
 * base64 DER. Checks only the shape (synchronous, for configuration checks at start).
 */
export const parsePrivateKeyDer = (text: string): Uint8Array => {
  const trimmed = text.trim()
  const der = trimmed.startsWith("-----BEGIN") ? pemBlocks(trimmed, "PRIVATE KEY")[0] : fromBase64(trimmed)
  if (der === undefined || der.length !== 48 || !startsWith(der, pkcs8Prefix)) {
    throw new SigningKeyError(
      "is not an Ed25519 private key in PKCS#8 form (PEM or base64 DER; `orgkit audit keygen` makes one)"
    )
  }
  return der
}

const importPublic = async (spki: Uint8Array): Promise<PublicKey> => {
  const key = await crypto.subtle.importKey("spki", spki as BufferSource, algorithm, true, ["verify"])
  return { key, keyId: await keyIdOf(spki), pem: toPem("PUBLIC KEY", spki) }
}

/** The key id of an SPKI DER: the first 16 hex digits of its SHA-256. */
export const keyIdOf = async (spki: Uint8Array): Promise<string> => (await sha256HexBytes(spki)).slice(0, 16)

/** Imports the signing key (see `parsePrivateKeyDer`) and derives its public key and key id. */
export const loadSigningKey = async (text: string): Promise<SigningKey> => {
  const der = parsePrivateKeyDer(text)
  let privateKey: CryptoKey
  let x: string | undefined
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", der as BufferSource, algorithm, true, ["sign"])
    x = ((await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey).x
  } catch (error) {
    throw new SigningKeyError(`is not a usable Ed25519 private key (${String(error)})`)
  }
  const raw = x === undefined ? undefined : fromBase64(x)
  if (raw === undefined || raw.length !== 32) throw new SigningKeyError("has no Ed25519 public key")
  const spki = new Uint8Array(spkiPrefix.length + 32)
  spki.set(spkiPrefix)
  spki.set(raw, spkiPrefix.length)
  const publicKey = await importPublic(spki)
  return { keyId: publicKey.keyId, privateKey, publicKey }
}

/**
 * Every Ed25519 public key in `text`: one or more `-----BEGIN PUBLIC KEY-----` blocks (the
 * concatenation `GET /audit/public-key` serves after a rotation). Throws if a block is not one.
 */
export const parsePublicKeys = async (text: string): Promise<Array<PublicKey>> => {
  const blocks = pemBlocks(text, "PUBLIC KEY")
  const keys: Array<PublicKey> = []
  for (const [i, der] of blocks.entries()) {
    if (der === undefined || der.length !== 44 || !startsWith(der, spkiPrefix)) {
      throw new SigningKeyError(`public key ${i + 1} is not an Ed25519 key in SPKI PEM form`)
    }
    keys.push(await importPublic(der))
  }
  return keys
}

/** A new key pair: the PKCS#8 private key and the SPKI public key, both PEM, and the key id. */
export const generateKeyPair = async (): Promise<{ privatePem: string; publicPem: string; keyId: string }> => {
  const pair = (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer)
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer)
  return { privatePem: toPem("PRIVATE KEY", pkcs8), publicPem: toPem("PUBLIC KEY", spki), keyId: await keyIdOf(spki) }
}

/** The keys checkpoints verify against: the signing key's public half first, then the others, no duplicates. */
export const keyRing = (signing: SigningKey | undefined, others: ReadonlyArray<PublicKey>): Array<PublicKey> => {
  const ring = new Map<string, PublicKey>()
  if (signing !== undefined) ring.set(signing.keyId, signing.publicKey)
  for (const key of others) if (!ring.has(key.keyId)) ring.set(key.keyId, key)
  return [...ring.values()]
}
