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

/** A block is split in two when it grows past this many keys. */
const maxBlock = 1024

/**
 * A set of string keys listed in key order, stored as sorted blocks of at most `maxBlock` keys
 * (a one-level B-tree): adding or deleting a key costs a binary search and a splice within one
 * block, so it stays cheap however many keys the set holds, and a page (`slice`) walks block
 * lengths, not keys. Keys that arrive in order are appended; others wait in a buffer merged before
 * the next read (one by one when few, by one sort and merge when many, as in bulk loading).
 * Membership is a hash lookup.
 */
export class SortedSet {
  private readonly members = new Set<string>()
  private blocks: Array<Array<string>> = []
  private pending: Array<string> | undefined
  /** The keys as one array, built on demand for `values()` and dropped on every change. */
  private flat: Array<string> | undefined

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
    this.flat = undefined
    const blocks = this.blocks
    const tail = blocks[blocks.length - 1]
    if (tail === undefined) blocks.push([key])
    else if (this.pending === undefined && compareKeys(tail[tail.length - 1]!, key) < 0) {
      tail.push(key)
      if (tail.length > maxBlock) blocks.push(tail.splice(maxBlock >> 1))
    } else (this.pending ??= []).push(key)
    return true
  }

  delete(key: string): boolean {
    if (!this.members.delete(key)) return false
    this.settle()
    this.flat = undefined
    const b = this.blockFor(key)
    const block = this.blocks[b]!
    block.splice(lowerBound(block, key), 1)
    if (block.length === 0) this.blocks.splice(b, 1)
    return true
  }

  clear(): void {
    this.members.clear()
    this.blocks = []
    this.pending = undefined
    this.flat = undefined
  }

  /** The keys in key order. The array is owned by the set: do not mutate it. */
  values(): Array<string> {
    this.settle()
    if (this.flat !== undefined) return this.flat
    const blocks = this.blocks
    this.flat = blocks.length === 1 ? blocks[0]! : blocks.length === 0 ? [] : blocks.flat()
    return this.flat
  }

  /** The keys at positions `start` (inclusive) to `end` (exclusive) in key order. */
  slice(start: number, end: number): Array<string> {
    this.settle()
    const out: Array<string> = []
    let offset = 0
    for (const block of this.blocks) {
      if (offset >= end) break
      const next = offset + block.length
      if (next > start) out.push(...block.slice(Math.max(0, start - offset), end - offset))
      offset = next
    }
    return out
  }

  /** The keys that satisfy `predicate`, in key order (a scan). */
  filter(predicate: (key: string) => boolean): Array<string> {
    this.settle()
    const out: Array<string> = []
    for (const block of this.blocks) for (const key of block) if (predicate(key)) out.push(key)
    return out
  }

  /** Merges the keys that arrived out of order. */
  private settle(): void {
    const pending = this.pending
    if (pending === undefined) return
    this.pending = undefined
    if (pending.length <= 32) {
      for (const key of pending) this.insert(key)
      return
    }
    pending.sort(compareKeys)
    const items = this.blocks.flat()
    const merged: Array<string> = new Array(items.length + pending.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < items.length && j < pending.length)
      merged[k++] = compareKeys(items[i]!, pending[j]!) < 0 ? items[i++]! : pending[j++]!
    while (i < items.length) merged[k++] = items[i++]!
    while (j < pending.length) merged[k++] = pending[j++]!
    const half = maxBlock >> 1
    this.blocks = []
    for (let at = 0; at < merged.length; at += half) this.blocks.push(merged.slice(at, at + half))
  }

  private insert(key: string): void {
    const blocks = this.blocks
    const b = this.blockFor(key)
    const block = blocks[b]!
    block.splice(lowerBound(block, key), 0, key)
    if (block.length > maxBlock) blocks.splice(b + 1, 0, block.splice(maxBlock >> 1))
  }

  /** The block that holds `key`, or where it belongs: the first whose last key is not below it. */
  private blockFor(key: string): number {
    const blocks = this.blocks
    let lo = 0
    let hi = blocks.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const block = blocks[mid]!
      if (compareKeys(block[block.length - 1]!, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
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
