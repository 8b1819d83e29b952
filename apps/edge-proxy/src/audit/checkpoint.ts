/**
 * Signed checkpoints of the audit chain. The chain's writer signs one every `every` entries and at
 * least once a minute while it runs (a heartbeat, also with no new entries): the range of chain
 * positions since the previous checkpoint, the head hash, the previous checkpoint's hash, the time
 * and the signing key's id, Ed25519 over the checkpoint's canonical JSON. Each one is also written as
 * one JSON log line (the outside witness), so the latest signed head exists outside the store.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalJson, genesisHash, sha256Hex } from "./canonical.ts"
import { fromBase64, type PublicKey, type SigningKey, toBase64Url } from "./keys.ts"

const Int = (minimum: number) => Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(minimum))

/** Why a checkpoint was signed: the first one of a writer (`start`), `every` entries, or the heartbeat. */
export const CheckpointReason = Schema.Literals(["start", "events", "heartbeat"])

/** What is signed. `fromSeq..toSeq` is empty (`toSeq = fromSeq - 1`) when no entry came since the last one. */
export const Checkpoint = Schema.Struct({
  v: Schema.Literal(1),
  /** Gapless from 1. */
  n: Int(1),
  reason: CheckpointReason,
  fromSeq: Int(1),
  toSeq: Int(0),
  /** The hash of entry `toSeq` (64 zeros for an empty chain). */
  headHash: Schema.String,
  /** The hash of checkpoint `n - 1` (64 zeros for the first). */
  prevCheckpointHash: Schema.String,
  /** ISO 8601, UTC. */
  time: Schema.String,
  keyId: Schema.String
})
/** What is signed. */
export type Checkpoint = typeof Checkpoint.Type

/** A checkpoint and its Ed25519 signature (base64url) over `canonicalJson(checkpoint)`. */
export const SignedCheckpoint = Schema.Struct({ checkpoint: Checkpoint, signature: Schema.String })
/** A checkpoint and its signature. */
export type SignedCheckpoint = typeof SignedCheckpoint.Type

/** The last checkpoint, as the writer continues from it. */
export interface CheckpointHead {
  readonly n: number
  readonly toSeq: number
  readonly hash: string
}

/** Before the first checkpoint. */
export const noCheckpoint: CheckpointHead = { n: 0, toSeq: 0, hash: genesisHash }

/** The default number of chain entries between two checkpoints. */
export const defaultCheckpointEvery = 100

/** The heartbeat: a checkpoint at least this often while the writer runs (1 minute). */
export const heartbeatMs = 60_000

const encoder = new TextEncoder()

/** The hash that the next checkpoint's `prevCheckpointHash` carries: SHA-256 of the signed checkpoint's canonical JSON. */
export const checkpointHash = (signed: SignedCheckpoint): Promise<string> => sha256Hex(canonicalJson(signed))

/** Signs a checkpoint. */
export const signCheckpoint = async (checkpoint: Checkpoint, key: SigningKey): Promise<SignedCheckpoint> => {
  const signature = await crypto.subtle.sign(
    "Ed25519",
    key.privateKey,
    encoder.encode(canonicalJson(checkpoint)) as BufferSource
  )
  return { checkpoint, signature: toBase64Url(new Uint8Array(signature)) }
}

/** Whether a signature is right: `unknown-key` when no key of `keys` has the checkpoint's key id. */
export const checkSignature = async (
  signed: SignedCheckpoint,
  keys: ReadonlyArray<PublicKey>
): Promise<"ok" | "bad-signature" | "unknown-key"> => {
  const key = keys.find((k) => k.keyId === signed.checkpoint.keyId)
  if (key === undefined) return "unknown-key"
  const signature = fromBase64(signed.signature)
  if (signature === undefined || signature.length !== 64) return "bad-signature"
  const ok = await crypto.subtle.verify(
    "Ed25519",
    key.key,
    signature as BufferSource,
    encoder.encode(canonicalJson(signed.checkpoint)) as BufferSource
  )
  return ok ? "ok" : "bad-signature"
}

const decodeSigned = Schema.decodeUnknownResult(SignedCheckpoint)

/**
 * A signed checkpoint from JSON: the stored form, or a witness log line (`{ msg: "audit checkpoint",
 * checkpoint, signature, … }`; other fields are ignored). `undefined` if it is neither.
 */
export const parseSignedCheckpoint = (value: unknown): SignedCheckpoint | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const { checkpoint, signature } = value as Record<string, unknown>
  const decoded = decodeSigned({ checkpoint, signature }, { onExcessProperty: "error" })
  return Result.isSuccess(decoded) ? decoded.success : undefined
}

/** The witness log line of a checkpoint. */
export const checkpointLogLine = (signed: SignedCheckpoint, hash: string): Record<string, unknown> => ({
  time: signed.checkpoint.time,
  level: "info",
  msg: "audit checkpoint",
  checkpoint: signed.checkpoint,
  signature: signed.signature,
  hash
})
