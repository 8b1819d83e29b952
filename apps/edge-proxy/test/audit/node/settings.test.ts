/**
 * The audit settings: decoded from environment strings with each problem naming its setting (never
 * its value), the keys loaded, and what the recorder and the Node store take from them.
 */
import { describe, expect, it } from "vitest"
import { generateKeyPair } from "../../../src/audit/keys.ts"
import {
  auditSettingNames,
  decodeAuditSettings,
  loadAuditKeys,
  recorderSettings,
  storeSettings
} from "../../../src/audit/settings.ts"

describe("audit settings", () => {
  it("default to no signing key, 100 entries a checkpoint, 60 denials a minute, and the runtime's IP header", () => {
    const problems: Array<string> = []
    expect(decodeAuditSettings({}, problems)).toEqual({
      signingKey: undefined,
      publicKeys: undefined,
      checkpointEvery: 100,
      clientIpHeader: undefined,
      denialsPerMinute: 60
    })
    expect(decodeAuditSettings({}, problems, "cf-connecting-ip").clientIpHeader).toBe("cf-connecting-ip")
    expect(problems).toEqual([])
  })

  it("takes a PEM or base64 DER key and earlier public keys; names each bad setting without its value", async () => {
    const old = await generateKeyPair()
    const current = await generateKeyPair()
    const der = current.privatePem.replace(/-----[A-Z ]+-----/g, "").replace(/\s/g, "")
    for (const signingKey of [current.privatePem, der]) {
      const problems: Array<string> = []
      const settings = decodeAuditSettings(
        {
          [auditSettingNames.signingKey]: signingKey,
          [auditSettingNames.publicKeys]: old.publicPem,
          [auditSettingNames.checkpointEvery]: "10",
          [auditSettingNames.clientIpHeader]: "X-Real-IP",
          [auditSettingNames.denialsPerMinute]: "5"
        },
        problems
      )
      expect(problems).toEqual([])
      const keys = await loadAuditKeys(settings)
      expect(keys.publicKeys.map((k) => k.keyId)).toEqual([current.keyId, old.keyId])
      expect(recorderSettings(settings)).toEqual({ clientIpHeader: "x-real-ip", denialsPerMinute: 5 })
      expect(storeSettings(settings, keys)).toMatchObject({ checkpointEvery: 10, signingKey: { keyId: current.keyId } })
    }
    const problems: Array<string> = []
    decodeAuditSettings(
      {
        [auditSettingNames.signingKey]: "not-a-key-but-a-secret-value",
        [auditSettingNames.publicKeys]: current.privatePem,
        [auditSettingNames.checkpointEvery]: "0",
        [auditSettingNames.clientIpHeader]: "x real ip",
        [auditSettingNames.denialsPerMinute]: "-1"
      },
      problems
    )
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      auditSettingNames.signingKey,
      auditSettingNames.publicKeys,
      auditSettingNames.clientIpHeader,
      auditSettingNames.checkpointEvery,
      auditSettingNames.denialsPerMinute
    ])
    expect(problems.join("\n")).not.toContain("not-a-key-but-a-secret-value")
  })
})
