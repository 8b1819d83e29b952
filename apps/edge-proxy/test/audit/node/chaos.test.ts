import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Demo, FakeLogto, Fixtures } from "@orgkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type NodeAuditStore, openNodeAuditStore } from "../../../src/audit/node/index.ts"
import { makeRecorder } from "../../../src/audit/recorder.ts"
import { allEvents, chaosOrganization, chaosRequest, checkChaos, runChaos } from "../support/chaos.ts"
import { flakyStore } from "../support/flaky.ts"
import { harness } from "../support/harness.ts"

const N = 540
const seed = Number(process.env["AUDIT_CHAOS_SEED"] ?? 20261129)

let dir: string
let store: NodeAuditStore
let fake: FakeLogto.Instance

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "orgkit-audit-chaos-"))
  store = openNodeAuditStore({ path: join(dir, "audit.sqlite"), redeliverEveryMs: 0 })
  const { users, roles } = Demo.ids
  fake = FakeLogto.make({
    seed: {
      ...Demo.seed,
      organizations: Array.from({ length: N }, (_, i) => ({
        id: chaosOrganization(i),
        name: `Chaos ${i}`,
        users: [users.alice, users.bob]
      }))
    },
    tokens: ["chaos-upstream-token"]
  })
  void roles
})
afterAll(async () => {
  store.close()
  await fake.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe("chaos", () => {
  it(`keeps one event per forwarded write and forwards nothing refused, with store failures at random (N=${N}, seed ${seed})`, async () => {
    const random = Fixtures.seededRandom(seed)
    const flaky = flakyStore(store, { accept: 0.15, complete: 0.5, deny: 0.4, deadLetter: 0.25 }, random)
    const lines: Array<Record<string, unknown>> = []
    const recorder = makeRecorder({
      store: flaky.store,
      log: (line) => void lines.push({ ...line }),
      retry: { times: 3, baseDelayMs: 1 },
      acceptRetry: { times: 1, baseDelayMs: 1 },
      deadLetterRetry: { times: 1, baseDelayMs: 1 }
    })
    const app = harness({
      recorder,
      upstream: fake.fetch,
      upstreamOrigin: FakeLogto.baseUrl,
      upstreamToken: "chaos-upstream-token"
    })
    const { users, roles } = Demo.ids
    const requests = Array.from({ length: N }, (_, i) => chaosRequest(i, users, roles.member))
    const results = await runChaos(requests, async (path, init) => await app.request(path, init))
    await recorder.flush()

    // The injected faults really happened, on every kind of call.
    for (const method of ["accept", "complete", "deny", "deadLetter"] as const) {
      expect(flaky.counts[method].before + flaky.counts[method].after, method).toBeGreaterThan(0)
    }
    const openLetters = await store.deadLetters()
    expect(openLetters.length).toBeGreaterThan(0)

    flaky.heal()
    const first = await store.redeliver()
    expect(first.attempted).toBe(openLetters.length)
    expect(first.failed).toBe(0)
    const second = await store.redeliver()
    expect(second.attempted).toBe(0)
    // Redelivering everything again (as an at-least-once queue might) changes nothing.
    const before = await allEvents(store)
    const again: Array<string> = []
    for (const letter of await store.deadLetters({ includeResolved: true })) {
      if (letter.kind === "outcome") again.push(await store.complete(letter.eventId, letter.payload as never))
    }
    expect(again.filter((result) => result !== "duplicate" && result !== "unknown")).toEqual([])
    const events = await allEvents(store)
    expect(events).toEqual(before)

    const reached = fake.requests().filter((r) => r.path.startsWith("/api/"))
    const tally = checkChaos({
      results,
      reached,
      events,
      lines: lines.filter((l) => l["msg"] === "audit"),
      redeliveries: [first, second]
    })
    expect(tally.forwarded + tally.refused + tally.denied).toBe(N)
    expect(tally.refused).toBeGreaterThan(0)
    expect(tally.forwarded).toBeGreaterThan(N / 2)
    expect(await store.verify()).toMatchObject({ ok: true, events: events.length })
    console.log(
      JSON.stringify({ chaos: "node", seed, ...tally, deadLetters: openLetters.length, faults: flaky.counts })
    )
  })
})
