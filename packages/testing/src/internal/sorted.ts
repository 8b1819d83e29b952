/**
 * Key order as PostgreSQL's `C.UTF-8` collation sorts it (UTF-8 byte order, i.e. code point
 * order), and a set that lists its members in that order.
 */

/** Compares two strings by code point, which is UTF-8 byte order. */
export const compareKeys = (a: string, b: string): number => {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (0xD800–0xDFFF) encode code points above 0xFFFF, which sort after every BMP
    // character, although 0xE000–0xFFFF code units are larger than surrogates.
    const sx = x >= 0xd800 && x <= 0xdfff
    const sy = y >= 0xd800 && y <= 0xdfff
    if (sx !== sy) return sx ? 1 : -1
    return x - y
  }
  return a.length - b.length
}

const SMALL = 512

/**
 * A set of string keys listed in key order. Appends are O(1) (the order is restored lazily with
 * one sort before the next read), small sets stay sorted by binary insertion, and membership is a
 * hash lookup.
 */
export class SortedSet {
  private readonly members = new Set<string>()
  private items: Array<string> = []
  private sorted = true

  constructor(keys?: Iterable<string>) {
    if (keys !== undefined) for (const key of keys) this.add(key)
  }

  get size(): number {
    return this.members.size
  }

  has(key: string): boolean {
    return this.members.has(key)
  }

  add(key: string): boolean {
    if (this.members.has(key)) return false
    this.members.add(key)
    const items = this.items
    if (!this.sorted || items.length === 0 || compareKeys(items[items.length - 1]!, key) < 0) {
      items.push(key)
    } else if (items.length < SMALL) {
      items.splice(this.lowerBound(key), 0, key)
    } else {
      items.push(key)
      this.sorted = false
    }
    return true
  }

  delete(key: string): boolean {
    if (!this.members.delete(key)) return false
    const items = this.values()
    items.splice(this.lowerBound(key), 1)
    return true
  }

  clear(): void {
    this.members.clear()
    this.items = []
    this.sorted = true
  }

  /** The keys in key order. The array is owned by the set: do not mutate it. */
  values(): Array<string> {
    if (!this.sorted) {
      this.items.sort(compareKeys)
      this.sorted = true
    }
    return this.items
  }

  private lowerBound(key: string): number {
    const items = this.items
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeys(items[mid]!, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Sorts a copy of `keys` in key order. */
export const sortKeys = (keys: Iterable<string>): Array<string> => [...keys].sort(compareKeys)
