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

/**
 * A set of string keys listed in key order. Keys that arrive in order are appended; others wait
 * in a buffer that is merged before the next read, by binary insertion when it is small and by
 * one sort and merge when it is large (bulk loading). Membership is a hash lookup.
 */
export class SortedSet {
  private readonly members = new Set<string>()
  private items: Array<string> = []
  private pending: Array<string> = []

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
    if (this.pending.length === 0 && (items.length === 0 || compareKeys(items[items.length - 1]!, key) < 0))
      items.push(key)
    else this.pending.push(key)
    return true
  }

  delete(key: string): boolean {
    if (!this.members.delete(key)) return false
    const items = this.values()
    items.splice(lowerBound(items, key), 1)
    return true
  }

  clear(): void {
    this.members.clear()
    this.items = []
    this.pending = []
  }

  /** The keys in key order. The array is owned by the set: do not mutate it. */
  values(): Array<string> {
    const pending = this.pending
    if (pending.length === 0) return this.items
    this.pending = []
    if (pending.length <= 32) {
      for (const key of pending) this.items.splice(lowerBound(this.items, key), 0, key)
      return this.items
    }
    pending.sort(compareKeys)
    const items = this.items
    const merged: Array<string> = new Array(items.length + pending.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < items.length && j < pending.length)
      merged[k++] = compareKeys(items[i]!, pending[j]!) < 0 ? items[i++]! : pending[j++]!
    while (i < items.length) merged[k++] = items[i++]!
    while (j < pending.length) merged[k++] = pending[j++]!
    this.items = merged
    return merged
  }
}

const lowerBound = (items: ReadonlyArray<string>, key: string): number => {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareKeys(items[mid]!, key) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Sorts a copy of `keys` in key order. */
export const sortKeys = (keys: Iterable<string>): Array<string> => [...keys].sort(compareKeys)
