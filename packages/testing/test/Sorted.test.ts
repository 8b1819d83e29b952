import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compareKeys, SortedSet } from "../src/internal/sorted.ts"

/** The reference: a plain array kept sorted by `compareKeys`. */
const reference = (keys: Iterable<string>) => [...new Set(keys)].sort(compareKeys)

describe("SortedSet", () => {
  it("lists keys in key order through adds and deletes that split and empty its blocks", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6000 })), { minLength: 2000, maxLength: 8000 }),
        fc.integer({ min: 0, max: 6000 }),
        fc.integer({ min: 1, max: 100 }),
        (ops, start, count) => {
          const set = new SortedSet()
          const model = new Set<string>()
          for (const [add, n] of ops) {
            const key = `k${n.toString(36)}`
            const changed = add ? set.add(key) : set.delete(key)
            expect(changed).toBe(add !== model.has(key))
            if (add) model.add(key)
            else model.delete(key)
          }
          const sorted = reference(model)
          expect(set.size).toBe(sorted.length)
          expect(set.values()).toEqual(sorted)
          expect(set.slice(start, start + count)).toEqual(sorted.slice(start, start + count))
          expect(set.filter((k) => k.endsWith("7"))).toEqual(sorted.filter((k) => k.endsWith("7")))
        }
      ),
      { numRuns: 30, seed: 18 }
    )
  })

  it("appends keys that arrive in order and pages through many blocks", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `o${i.toString(36).padStart(6, "0")}`)
    const set = new SortedSet(keys)
    expect(set.slice(0, 3)).toEqual(keys.slice(0, 3))
    expect(set.slice(4990, 5010)).toEqual(keys.slice(4990))
    expect(set.slice(1020, 1030)).toEqual(keys.slice(1020, 1030))
    set.add("o0000000")
    expect(set.values()[1]).toBe("o0000000")
    expect(set.delete(keys[2500]!)).toBe(true)
    expect(set.values()).toEqual(reference([...keys.filter((_, i) => i !== 2500), "o0000000"]))
  })

  it("sorts keys loaded out of order in bulk, then keeps order through single adds and deletes", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `u${((i * 7919) % 5000).toString(36).padStart(4, "0")}`)
    const set = new SortedSet(keys)
    const sorted = reference(keys)
    expect(set.slice(2000, 2010)).toEqual(sorted.slice(2000, 2010))
    set.add("u")
    set.add("zzzz")
    expect(set.delete(sorted[10]!)).toBe(true)
    expect(set.values()).toEqual(reference([...sorted.filter((_, i) => i !== 10), "u", "zzzz"]))
  })

  it("orders by code point (UTF-8 bytes), not by UTF-16 unit", () => {
    const set = new SortedSet(["\uffff", "\u{1F600}", "B", "a"])
    expect(set.values()).toEqual(["B", "a", "\uffff", "\u{1F600}"])
  })
})
