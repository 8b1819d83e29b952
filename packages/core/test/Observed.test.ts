/**
 * The observed-answers table (`apps/edge-proxy/test/suite/observed.json`, Logto's [observed] answers
 * written out literally) against core alone: `RouteTable.match`,
 * `Validation.validateRequest` and `Pagination.linkHeaders` must give Logto's literal answers, the
 * page's items (as positions in the seeded list) and its `Link` lines. The same table runs against
 * the fake and through the proxy in the end-to-end suite; here a mistake in core shows without any
 * server, and cannot hide behind a fake built on the same core.
 */
import { Result } from "effect"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { Pagination, RouteTable, Validation } from "../src/index.ts"

/** One case of the table (its types: `apps/edge-proxy/test/suite/observed.ts`, which runs it over HTTP). */
interface ObservedCase {
  readonly fact: string
  readonly method: string
  readonly path: string
  readonly body?: string
  readonly logto: {
    readonly status: number
    readonly body?: unknown
    readonly ids?: ReadonlyArray<string>
    readonly count?: number
    readonly totalNumber?: string | null
    readonly link?: ReadonlyArray<string> | null
  }
  readonly proxy?: { readonly status: number; readonly code: string }
}

// Read as data (the proxy's end-to-end suite holds it, with the fake's seed it describes).
const table = JSON.parse(
  readFileSync(resolve(import.meta.dirname, "../../../apps/edge-proxy/test/suite/observed.json"), "utf8")
) as { seed: { organizations: Array<{ id: string }> }; cases: Array<ObservedCase> }
const observedCases = table.cases
const observedSeed = table.seed

const origin = "http://proxy.test"
const seededIds = observedSeed.organizations.map((o) => o.id)

/** What core makes of a case: the rejection, or the page and its headers. */
const core = (c: ObservedCase) => {
  const url = new URL(origin + c.path)
  const matched = RouteTable.match(c.method, url.pathname)
  if (matched._tag !== "Route") throw new Error(`${c.method} ${url.pathname}: ${matched._tag}`)
  return Validation.validateRequest(matched.route, {
    params: matched.params,
    search: url.searchParams,
    contentType: c.body === undefined ? undefined : "application/json",
    text: c.body ?? ""
  })
}

describe("core against Logto's observed answers", () => {
  it.each(observedCases.filter((c) => c.logto.status !== 200).map((c) => [c.fact, c] as const))(
    "rejects: %s",
    (_, c) => {
      const result = core(c)
      if (Result.isSuccess(result)) throw new Error(`accepted: ${c.method} ${c.path}`)
      expect({ status: result.failure.status, body: result.failure.body }).toEqual({
        status: c.logto.status,
        body: c.logto.body
      })
      const forCaller = Validation.forCaller(result.failure)
      expect([forCaller.status, (forCaller.body as { code?: string }).code]).toEqual(
        c.proxy === undefined
          ? [c.logto.status, (c.logto.body as { code?: string }).code]
          : [c.proxy.status, c.proxy.code]
      )
    }
  )

  it.each(observedCases.filter((c) => c.logto.status === 200).map((c) => [c.fact, c] as const))("pages: %s", (_, c) => {
    const result = core(c)
    if (Result.isFailure(result)) throw new Error(`rejected: ${JSON.stringify(result.failure)}`)
    const pagination = result.success.pagination
    const total = Number(c.logto.totalNumber)
    // Off: no headers. A page: its Link lines, its items (positions in the seeded list, for the
    // paging search) and how many there are.
    const seen =
      pagination._tag === "Page"
        ? {
            link: Pagination.linkHeaders(new URL(origin + c.path), pagination, total).map((line) =>
              line.replaceAll(origin, "{origin}")
            ),
            ids: c.path.includes("q=oracle%20paging")
              ? seededIds.slice(pagination.offset, pagination.offset + pagination.pageSize)
              : c.logto.ids,
            count:
              c.logto.count === undefined
                ? undefined
                : Math.max(0, Math.min(pagination.pageSize, total - pagination.offset))
          }
        : { link: null, ids: c.logto.ids, count: c.logto.count }
    expect(seen).toEqual({ link: c.logto.link ?? null, ids: c.logto.ids, count: c.logto.count })
  })
})
