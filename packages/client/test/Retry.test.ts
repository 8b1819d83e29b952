import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Retry } from "@orgkit/client"

const failing = (times: Array<number>, input: Retry.Retryable) =>
  Clock.currentTimeMillis.pipe(
    Effect.tap((now) => Effect.sync(() => times.push(now))),
    Effect.andThen(Effect.fail(input))
  )

const runRetried = (policy: Retry.Policy, input: Retry.Retryable) =>
  Effect.gen(function* () {
    const times: Array<number> = []
    const fiber = yield* Effect.forkChild(
      failing(times, input).pipe(Effect.retry({ schedule: policy.schedule }), Effect.flip)
    )
    yield* TestClock.adjust("10 minutes")
    yield* Fiber.join(fiber)
    return times.map((t, i) => (i === 0 ? 0 : t - times[i - 1]!))
  })

describe("Retry", () => {
  describe("backoff", () => {
    it.effect("retries twice by default, each wait under its doubling ceiling (full jitter)", () =>
      Effect.gen(function* () {
        for (let run = 0; run < 20; run++) {
          const gaps = yield* runRetried(Retry.make(), new Retry.Retryable({ reason: "network", outcome: null }))
          assert.strictEqual(gaps.length, 3)
          assert.isTrue(gaps[1]! >= 0 && gaps[1]! < 250)
          assert.isTrue(gaps[2]! >= 0 && gaps[2]! < 500)
        }
      })
    )

    it.effect("caps the ceiling at maxDelay", () =>
      Effect.gen(function* () {
        const policy = Retry.make({ retries: 6, baseDelay: 1000, maxDelay: 1500 })
        const gaps = yield* runRetried(policy, new Retry.Retryable({ reason: "network", outcome: null }))
        assert.strictEqual(gaps.length, 7)
        for (const gap of gaps.slice(1)) assert.isTrue(gap < 1500)
      })
    )

    it.effect("waits exactly what Retry-After asks for", () =>
      Effect.gen(function* () {
        const gaps = yield* runRetried(
          Retry.make({ retries: 3 }),
          new Retry.Retryable({ reason: "status", status: 429, retryAfterMillis: 7000, outcome: null })
        )
        assert.deepStrictEqual(gaps, [0, 7000, 7000, 7000])
      })
    )

    it.effect("does not wait for a Retry-After longer than maxRetryAfter", () =>
      Effect.gen(function* () {
        const gaps = yield* runRetried(
          Retry.make({ maxRetryAfter: "30 seconds" }),
          new Retry.Retryable({ reason: "status", status: 429, retryAfterMillis: 31_000, outcome: null })
        )
        assert.deepStrictEqual(gaps, [0])
      })
    )

    it.effect("waits for a Retry-After of exactly maxRetryAfter", () =>
      Effect.gen(function* () {
        const gaps = yield* runRetried(
          Retry.make({ retries: 1, maxRetryAfter: "30 seconds" }),
          new Retry.Retryable({ reason: "status", status: 429, retryAfterMillis: 30_000, outcome: null })
        )
        assert.deepStrictEqual(gaps, [0, 30_000])
      })
    )

    it.effect("a schedule of one's own enables retries whatever retries says; the layers provide the policy", () =>
      Effect.gen(function* () {
        const own = Retry.make({
          retries: 0,
          schedule: Retry.backoff({ retries: 1, baseDelay: 10, maxDelay: 10, maxRetryAfter: 10 })
        })
        assert.isTrue(own.enabled)
        const byDefault = yield* Retry.RetryPolicy
        assert.isTrue(byDefault.enabled)
        assert.deepStrictEqual([...byDefault.methods].sort(), [...Retry.make().methods].sort())
        const disabled = yield* Effect.provide(Effect.service(Retry.RetryPolicy), Retry.layerDisabled)
        assert.isFalse(disabled.enabled)
        const custom = yield* Effect.provide(
          Effect.service(Retry.RetryPolicy),
          Retry.layer({ retries: 5, methods: ["get"] })
        )
        assert.deepStrictEqual([custom.enabled, [...custom.methods]], [true, ["GET"]])
      })
    )

    it.effect("retries: 0 makes a single attempt", () =>
      Effect.gen(function* () {
        const policy = Retry.make({ retries: 0 })
        assert.isFalse(policy.enabled)
        const gaps = yield* runRetried(policy, new Retry.Retryable({ reason: "network", outcome: null }))
        assert.deepStrictEqual(gaps, [0])
      })
    )
  })

  describe("appliesTo", () => {
    it("retries GET, PUT and DELETE but not POST or PATCH by default", () => {
      const policy = Retry.make()
      assert.isTrue(Retry.appliesTo(policy, "GET", "ListOrganizations"))
      assert.isTrue(Retry.appliesTo(policy, "PUT", "ReplaceOrganizationUsers"))
      assert.isTrue(Retry.appliesTo(policy, "DELETE", "DeleteOrganization"))
      assert.isFalse(Retry.appliesTo(policy, "POST", "AddOrganizationUsers"))
      assert.isFalse(Retry.appliesTo(policy, "PATCH", "UpdateOrganization"))
    })

    it("retries only the idempotent add and assign POSTs when they opt in", () => {
      const policy = Retry.make({ idempotentPosts: true })
      for (const op of Retry.idempotentPostOperations) assert.isTrue(Retry.appliesTo(policy, "POST", op))
      assert.isFalse(Retry.appliesTo(policy, "POST", "CreateOrganization"))
      assert.isFalse(Retry.appliesTo(policy, "POST", "CreateOrganizationJitEmailDomain"))
      // The opt-in is for POST only: the same operations under another method stay as the methods say.
      for (const op of Retry.idempotentPostOperations) assert.isFalse(Retry.appliesTo(policy, "PATCH", op))
      assert.isFalse(Retry.appliesTo(policy, "POST", undefined))
      assert.strictEqual(Retry.idempotentPostOperations.size, 8)
    })
  })

  describe("retryAfterMillis", () => {
    it("reads delta-seconds and HTTP dates", () => {
      const now = Date.UTC(2026, 10, 29, 12, 0, 0)
      assert.strictEqual(Retry.retryAfterMillis("3", now), 3000)
      assert.strictEqual(Retry.retryAfterMillis(" 0 ", now), 0)
      assert.strictEqual(Retry.retryAfterMillis(" 3 ", now), 3000)
      assert.strictEqual(Retry.retryAfterMillis("12", now), 12_000)
      assert.strictEqual(Retry.retryAfterMillis("3x", now), undefined)
      assert.strictEqual(Retry.retryAfterMillis("x3", now), undefined)
      assert.strictEqual(Retry.retryAfterMillis(new Date(now + 5000).toUTCString(), now), 5000)
      assert.strictEqual(Retry.retryAfterMillis(new Date(now - 5000).toUTCString(), now), 0)
      assert.strictEqual(Retry.retryAfterMillis("soon", now), undefined)
      assert.strictEqual(Retry.retryAfterMillis(undefined, now), undefined)
    })
  })
})
