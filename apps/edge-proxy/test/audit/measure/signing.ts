/**
 * The write path's cost with and without checkpoint signing, on the Node store (SQLite file in the
 * worker thread, `synchronous = FULL`): 16 concurrent writers, each write one `accept` and one
 * `complete` (two chain entries), as the proxy does per forwarded write. Also the cost of one
 * Ed25519 signature over a checkpoint. Prints one JSON object; nothing here is asserted.
 *
 * Run: `node --disable-warning=ExperimentalWarning apps/edge-proxy/test/audit/measure/signing.ts [writes]`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { signCheckpoint } from "../../../src/audit/checkpoint.ts"
import { generateKeyPair, loadSigningKey, type SigningKey } from "../../../src/audit/keys.ts"
import { openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { intent, outcome } from "../support/fixtures.ts"

const writes = Number(process.argv[2] ?? "2000")
const key = await loadSigningKey((await generateKeyPair()).privatePem)

const run = async (signingKey: SigningKey | undefined, checkpointEvery: number) => {
  const dir = mkdtempSync(join(tmpdir(), "orgkit-audit-signing-"))
  const store = openNodeAuditStore({
    path: join(dir, "audit.sqlite"),
    redeliverEveryMs: 0,
    heartbeatMs: 0,
    signingKey,
    checkpointEvery,
    log: () => undefined
  })
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < writes) {
        next++
        const receipt = await store.accept(intent(Date.now()))
        await store.complete(receipt.id, outcome())
      }
    })
  )
  const ms = performance.now() - started
  const checkpoints = [] as Array<unknown>
  for await (const c of store.checkpoints()) checkpoints.push(c)
  const verified = await store.verify()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  return {
    writesPerSecond: Math.round((writes / ms) * 1000),
    msPerWrite: Math.round((ms / writes) * 1000) / 1000,
    checkpoints: checkpoints.length,
    verifyOk: verified.ok
  }
}

const signOnce = async () => {
  const n = 2000
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    await signCheckpoint(
      {
        v: 1,
        n: i + 1,
        reason: "events",
        fromSeq: 1,
        toSeq: 100,
        headHash: "a".repeat(64),
        prevCheckpointHash: "b".repeat(64),
        time: new Date().toISOString(),
        keyId: key.keyId
      },
      key
    )
  }
  return Math.round(((performance.now() - started) / n) * 1000) // µs
}

// Warm-up, then the runs in alternating order.
await run(undefined, 100)
const results = {
  writes,
  unsigned: await run(undefined, 100),
  signedEvery100: await run(key, 100),
  signedEvery10: await run(key, 10),
  unsignedAgain: await run(undefined, 100),
  signedEvery100Again: await run(key, 100),
  signatureMicros: await signOnce()
}
console.log(JSON.stringify(results, null, 2))
