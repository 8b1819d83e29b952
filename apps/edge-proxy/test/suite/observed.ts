/**
 * An oracle independent of core: Logto's observed answers for validation and pagination (the
 * spec's [observed] facts, `organizations-api.md` §2.2–§2.4), written out literally in
 * `observed.json`: request → exact status, body, `Total-Number` and `Link` lines (`{origin}` stands
 * for the answering server's origin). Nothing there is computed by core: the same table is checked
 * against core's `Validation`/`Pagination` (`test/unit/observed.test.ts` and core's own
 * `test/Observed.test.ts`), against the fake directly, and through the proxy in front of the fake
 * (Node and workerd, `describeObserved`).
 * A rule changed in core alike everywhere (so that proxy and fake still agree) fails here.
 */
import { describe, expect, it } from "vitest"
import { keys } from "../fixtures/e2e.ts"
import { as, direct, fake, type Target } from "./harness.ts"
import observedTable from "./observed.json" with { type: "json" }

/** An answer as Logto gives it. `{origin}` in `link` stands for the answering server's origin. */
export interface ObservedAnswer {
  readonly status: number
  /** The exact JSON body; for a list of organizations, the ids in order (`ids`) instead. */
  readonly body?: unknown
  readonly ids?: ReadonlyArray<string>
  /** The number of items of a list whose order Logto leaves unspecified. */
  readonly count?: number
  /** `Total-Number`; `null` when absent. */
  readonly totalNumber?: string | null
  /** The `Link` lines in order; `null` when absent. */
  readonly link?: ReadonlyArray<string> | null
}

/** One request and Logto's observed answer; `proxy` where the proxy answers otherwise by design. */
export interface ObservedCase {
  readonly fact: string
  readonly method: "GET" | "POST" | "PATCH"
  readonly path: string
  readonly body?: string
  readonly logto: ObservedAnswer
  /** The proxy's own answer (status and code), where Logto's is a 500 for a caller's mistake. */
  readonly proxy?: { readonly status: number; readonly code: string }
}

/** The table: data only (`observed.json`), so that core's own tests read the same facts (`packages/core/test/Observed.test.ts`). */
const table = observedTable as unknown as {
  /** Five organizations matched by `q=oracle paging` (ids in insertion and id order); the first with members and JIT email domains. */
  readonly seed: { readonly organizations: ReadonlyArray<{ readonly id: string }> }
  readonly cases: ReadonlyArray<ObservedCase>
}

export const observedSeed = table.seed
export const observedCases = table.cases
const o1 = observedSeed.organizations[0]!.id

/** Reads an answer into the table's terms. */
export const observe = async (
  response: Response,
  origin: string,
  expected: ObservedAnswer
): Promise<ObservedAnswer> => {
  const json = (await response.json()) as unknown
  const link = response.headers.get("link")
  return {
    status: response.status,
    ...(expected.body !== undefined ? { body: json } : {}),
    ...(expected.ids !== undefined ? { ids: (json as Array<{ id: string }>).map((o) => o.id) } : {}),
    ...(expected.count !== undefined ? { count: (json as Array<unknown>).length } : {}),
    ...(expected.totalNumber !== undefined ? { totalNumber: response.headers.get("total-number") } : {}),
    ...(expected.link !== undefined
      ? { link: link === null ? null : link.split(/, (?=<)/).map((line) => line.replaceAll(origin, "{origin}")) }
      : {})
  }
}

const requestInit = (c: ObservedCase): RequestInit => ({
  method: c.method,
  ...(c.body === undefined ? {} : { headers: { "content-type": "application/json" }, body: c.body })
})

/** The table against the fake (directly) and the proxy in front of it. */
export const describeObserved = (target: () => Target) =>
  describe("Logto's observed answers (validation and pagination), as literal facts", () => {
    const seeded = async (t: Target) => {
      if ((await direct(t, `/api/organizations/${o1}`)).status === 404) await fake.seed(t, observedSeed)
    }

    it.each(observedCases.map((c) => [c.fact, c] as const))("the fake: %s", async (_, c) => {
      const t = target()
      await seeded(t)
      const response = await direct(t, c.path, requestInit(c))
      expect(await observe(response, t.fakeUrl, c.logto)).toEqual(c.logto)
    })

    it.each(observedCases.map((c) => [c.fact, c] as const))("the proxy: %s", async (_, c) => {
      const t = target()
      await seeded(t)
      const response = await t.call(c.path, as(keys.admin, requestInit(c)))
      // Where the proxy answers otherwise by design, its status and code; else Logto's answer exactly.
      const seen =
        c.proxy === undefined
          ? await observe(response, t.origin, c.logto)
          : { status: response.status, code: ((await response.json()) as { code?: string }).code }
      expect(seen).toEqual(c.proxy ?? c.logto)
    })
  })
