/**
 * The audit trail's settings, decoded from environment strings (Workers vars and secrets, or
 * `process.env`) as every setting is (`internal/setting.ts`), each problem naming its setting and
 * never its value. The proxy's configuration (`config.ts`) composes `decodeAuditSettings`; the
 * `AuditLog` Durable Object reads the same bindings with it.
 */
import { type Env, Integer, optional, Required, setting } from "../internal/setting.ts"
import { defaultCheckpointEvery } from "./checkpoint.ts"
import {
  fromBase64,
  keyRing,
  loadSigningKey,
  parsePrivateKeyDer,
  parsePublicKeys,
  type PublicKey,
  type SigningKey
} from "./keys.ts"

/** The settings, by environment variable name. */
export const auditSettingNames = {
  signingKey: "ORGKIT_AUDIT_SIGNING_KEY",
  publicKeys: "ORGKIT_AUDIT_PUBLIC_KEYS",
  checkpointEvery: "ORGKIT_AUDIT_CHECKPOINT_EVERY",
  clientIpHeader: "ORGKIT_AUDIT_CLIENT_IP_HEADER",
  denialsPerMinute: "ORGKIT_AUDIT_DENIALS_PER_MINUTE"
} as const

/** The default ceiling on denial records per key and minute. */
export const defaultDenialsPerMinute = 60

/** The audit trail's settings. */
export interface AuditSettings {
  /** `ORGKIT_AUDIT_SIGNING_KEY`: the PKCS#8 Ed25519 key (PEM or base64 DER); checkpoints are off without it. */
  readonly signingKey: string | undefined
  /** `ORGKIT_AUDIT_PUBLIC_KEYS`: earlier public keys (SPKI PEM blocks), so checkpoints signed before a rotation verify. */
  readonly publicKeys: string | undefined
  /** `ORGKIT_AUDIT_CHECKPOINT_EVERY`: entries between two checkpoints (default 100). */
  readonly checkpointEvery: number
  /** `ORGKIT_AUDIT_CLIENT_IP_HEADER`: the one header the client IP is taken from (lower-cased); none: no IP recorded. */
  readonly clientIpHeader: string | undefined
  /** `ORGKIT_AUDIT_DENIALS_PER_MINUTE`: denial records per key and minute before they are only counted (default 60). */
  readonly denialsPerMinute: number
}

const integer = (problems: Array<string>, env: Env, name: string, min: number, max: number, fallback: number) =>
  Number(setting(problems, env, name, Integer(min, max), String(fallback)) ?? fallback)

/**
 * Decodes the audit settings; `problems` gets one line per bad setting.
 *
 * @param defaultClientIpHeader the runtime's trusted header (`cf-connecting-ip` on Workers; none on Node)
 */
export const decodeAuditSettings = (
  env: Env,
  problems: Array<string>,
  defaultClientIpHeader?: string
): AuditSettings => {
  const signingKey = optional(problems, env, auditSettingNames.signingKey, Required)
  if (signingKey !== undefined) {
    try {
      parsePrivateKeyDer(signingKey)
    } catch (error) {
      problems.push(`${auditSettingNames.signingKey}: ${(error as Error).message}`)
    }
  }
  const publicKeys = optional(problems, env, auditSettingNames.publicKeys, Required)
  if (publicKeys !== undefined) {
    const blocks = [...publicKeys.matchAll(/-----BEGIN PUBLIC KEY-----([^-]*)-----END PUBLIC KEY-----/g)]
    if (blocks.length === 0 || blocks.some((m) => fromBase64(m[1]!)?.length !== 44)) {
      problems.push(`${auditSettingNames.publicKeys}: expected one or more Ed25519 public keys in SPKI PEM form`)
    }
  }
  const header =
    optional(problems, env, auditSettingNames.clientIpHeader, Required)?.trim().toLowerCase() ?? defaultClientIpHeader
  if (header !== undefined && !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
    problems.push(`${auditSettingNames.clientIpHeader}: expected an HTTP header name`)
  }
  return {
    signingKey,
    publicKeys,
    checkpointEvery: integer(problems, env, auditSettingNames.checkpointEvery, 1, 100_000, defaultCheckpointEvery),
    clientIpHeader: header,
    denialsPerMinute: integer(problems, env, auditSettingNames.denialsPerMinute, 0, 1_000_000, defaultDenialsPerMinute)
  }
}

/** The keys of decoded settings: the signing key (if any) and every public key checkpoints verify against. */
export interface AuditKeys {
  readonly signingKey: SigningKey | undefined
  readonly publicKeys: ReadonlyArray<PublicKey>
}

/** Imports the keys of `settings` (rejects with the setting named if one is unusable). */
export const loadAuditKeys = async (settings: AuditSettings): Promise<AuditKeys> => {
  let signingKey: SigningKey | undefined
  try {
    signingKey = settings.signingKey === undefined ? undefined : await loadSigningKey(settings.signingKey)
  } catch (error) {
    throw new Error(`${auditSettingNames.signingKey}: ${(error as Error).message}`, { cause: error })
  }
  let others: Array<PublicKey>
  try {
    others = settings.publicKeys === undefined ? [] : await parsePublicKeys(settings.publicKeys)
  } catch (error) {
    throw new Error(`${auditSettingNames.publicKeys}: ${(error as Error).message}`, { cause: error })
  }
  return { signingKey, publicKeys: keyRing(signingKey, others) }
}

/** The start-up line when there is no signing key. */
export const checkpointsOffLine = {
  level: "warn",
  msg: "audit checkpoints are off",
  reason: `${auditSettingNames.signingKey} is not set: the audit chain is not signed (see src/audit/README.md)`
} as const

/** The recorder's options from the settings (`makeRecorder({ store, log, now, ...recorderSettings(settings) })`). */
export const recorderSettings = (
  settings: AuditSettings
): { readonly clientIpHeader: string | undefined; readonly denialsPerMinute: number } => ({
  clientIpHeader: settings.clientIpHeader,
  denialsPerMinute: settings.denialsPerMinute
})

/** The Node store's checkpoint options from the settings and their loaded keys (`openNodeAuditStore({ path, …, ...storeSettings(settings, keys) })`). */
export const storeSettings = (
  settings: AuditSettings,
  keys: AuditKeys
): {
  readonly signingKey: SigningKey | undefined
  readonly publicKeys: ReadonlyArray<PublicKey>
  readonly checkpointEvery: number
} => ({ signingKey: keys.signingKey, publicKeys: keys.publicKeys, checkpointEvery: settings.checkpointEvery })
