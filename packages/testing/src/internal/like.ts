/**
 * PostgreSQL `ILIKE '%q%'` with an unescaped `q`, as Logto's search builds it: `%` matches any run,
 * `_` any single character, `\` escapes the next character, and the match is case-insensitive.
 */

const cache = new Map<string, RegExp>()

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/** Compiles Logto's `%q%` pattern into an anchored, case-insensitive regular expression. */
export const compile = (q: string): RegExp => {
  const hit = cache.get(q)
  if (hit !== undefined) return hit
  const pattern = `%${q}%`
  let source = "^"
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!
    if (c === "\\") {
      // An escape at the very end of the pattern escapes nothing; PostgreSQL then treats it as a
      // literal backslash. Logto always appends `%`, so it never happens here.
      const next = chars[++i]
      source += next === undefined ? "\\\\" : escapeRegExp(next)
    } else if (c === "%") source += "[\\s\\S]*"
    else if (c === "_") source += "[\\s\\S]"
    else source += escapeRegExp(c)
  }
  const re = new RegExp(`${source}$`, "iu")
  if (cache.size > 1000) cache.clear()
  cache.set(q, re)
  return re
}

/** Whether any of the values matches `q` (null and undefined never match). */
export const matchesAny = (re: RegExp, values: ReadonlyArray<string | null | undefined>): boolean => {
  for (const v of values) if (v != null && re.test(v)) return true
  return false
}
