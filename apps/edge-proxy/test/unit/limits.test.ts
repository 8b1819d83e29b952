import { describe, expect, it } from "vitest"
import { BudgetState, countIn, parseRate, type Window } from "../../src/limits/index.ts"

const t0 = 1_700_000_000_000

describe("rates and quotas", () => {
  it("parses N/Ss and nothing else", () => {
    expect(parseRate("200/10s")).toEqual({ requests: 200, perSeconds: 10 })
    for (const bad of ["200/10", "0/10s", "200/0s", "x/10s", "200 / 10s", "-1/10s"])
      expect(parseRate(bad), bad).toBeUndefined()
  })

  it("counts a key's requests in a fixed window and refuses the one over, without counting it", () => {
    const windows = new Map<string, Window>()
    const rate = { requests: 2, perSeconds: 10 }
    expect(countIn(windows, "a", rate, t0)).toEqual({ allowed: true, remaining: 1, resetMs: 10_000 })
    expect(countIn(windows, "a", rate, t0 + 1_000)).toEqual({ allowed: true, remaining: 0, resetMs: 9_000 })
    expect(countIn(windows, "a", rate, t0 + 2_000)).toEqual({ allowed: false, remaining: 0, resetMs: 8_000 })
    expect(countIn(windows, "b", rate, t0 + 2_000).allowed).toBe(true)
    expect(countIn(windows, "a", rate, t0 + 10_000)).toEqual({ allowed: true, remaining: 1, resetMs: 10_000 })
  })
})

describe("the upstream budget", () => {
  const budget = (requests: number, writeShare = 0) =>
    new BudgetState({ rate: { requests, perSeconds: 1 }, writeShare })

  it("grants at most N in any window (sliding), token requests included, and says when the oldest leaves", () => {
    const state = budget(3)
    expect(state.take("token", undefined, t0).granted).toBe(true)
    expect(state.take("read", "a", t0 + 100).granted).toBe(true)
    expect(state.take("write", "a", t0 + 200).granted).toBe(true)
    expect(state.take("write", "a", t0 + 300)).toEqual({ granted: false, retryAfterMs: 700 })
    expect(state.take("write", "a", t0 + 1_000).granted).toBe(true)
    expect(state.take("write", "a", t0 + 1_050).granted).toBe(false)
  })

  it("keeps the write share for writes: reads stop at the rest", () => {
    const state = budget(10, 0.3)
    for (let i = 0; i < 7; i++) expect(state.take("read", "a", t0 + i).granted).toBe(true)
    expect(state.take("read", "a", t0 + 7).granted).toBe(false)
    for (let i = 0; i < 3; i++) expect(state.take("write", "b", t0 + 8 + i).granted).toBe(true)
    expect(state.take("write", "b", t0 + 20).granted).toBe(false)
  })

  it("lets a key past its fair share only with what other active keys could not still claim", () => {
    const state = budget(9) // 9 reads; three active keys: a share of 3 each
    expect(state.take("read", "b", t0).granted).toBe(true)
    expect(state.take("read", "c", t0).granted).toBe(true)
    let noisy = 0
    for (let i = 0; i < 20; i++) if (state.take("read", "a", t0 + 1).granted) noisy++
    // 9 − 2 used by b and c − 2 + 2 kept for them = 3 (its share) + 0 beyond it.
    expect(noisy).toBe(3)
    // What was kept is there for b and c.
    expect(state.take("read", "b", t0 + 2).granted).toBe(true)
    expect(state.take("read", "b", t0 + 2).granted).toBe(true)
    expect(state.take("read", "c", t0 + 2).granted).toBe(true)
    expect(state.take("read", "c", t0 + 2).granted).toBe(true)
  })

  it("lets a lone key use everything, and refuses it past its share while another key waits", () => {
    const state = budget(4)
    for (let i = 0; i < 3; i++) expect(state.take("read", "a", t0).granted).toBe(true)
    const lone = budget(4)
    for (let i = 0; i < 4; i++) expect(lone.take("read", "a", t0).granted).toBe(true)
    // b is refused once (the window is full of a's reads) and waits; a over its share is refused.
    expect(state.take("read", "a", t0).granted).toBe(true)
    expect(state.take("read", "b", t0 + 900).granted).toBe(false)
    expect(state.take("read", "a", t0 + 1_001).granted).toBe(true)
    expect(state.take("read", "a", t0 + 1_001).granted).toBe(true)
    expect(state.take("read", "a", t0 + 1_001).granted).toBe(false)
    expect(state.take("read", "b", t0 + 1_002).granted).toBe(true)
  })

  it("pauses every kind after Logto's own 429 until its Retry-After", () => {
    const state = budget(100)
    state.pause(t0 + 5_000)
    expect(state.take("write", "a", t0 + 1_000)).toEqual({ granted: false, retryAfterMs: 4_000 })
    expect(state.take("token", undefined, t0 + 4_999).granted).toBe(false)
    expect(state.take("read", "a", t0 + 5_000).granted).toBe(true)
    expect(state.snapshot(t0 + 5_000)).toEqual({ used: 1, remaining: 99, pausedMs: 0 })
  })
})
