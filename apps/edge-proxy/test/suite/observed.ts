/**
 * An oracle independent of core: Logto's observed answers for validation and pagination (the
 * spec's [observed] facts, `organizations-api.md` §2.2–§2.4, §2.6), written out literally, request
 * → exact status, body, `Total-Number` and `Link`. Nothing here is computed by core: the same table
 * is checked against core's `Validation`/`Pagination` (`test/unit/observed.test.ts`), against the
 * fake directly, and through the proxy in front of the fake (Node and workerd, `describeObserved`).
 * A rule changed in core alike everywhere (so that proxy and fake still agree) fails here.
 */
import { describe, expect, it } from "vitest"
import { ids, keys } from "../fixtures/e2e.ts"
import { as, direct, fake, type Target } from "./harness.ts"

/** Five organizations matched by `q=oracle paging` (ids in insertion and id order), with members and JIT email domains. */
export const observedSeed = {
  organizations: [1, 2, 3, 4, 5].map((n) => ({
    id: `oracle0000000000000${n}`,
    name: `Oracle paging ${n}`,
    users: n === 1 ? [ids.users.alice, ids.users.bob, ids.users.dave] : [],
    jit: { emailDomains: n === 1 ? ["oracle-one.example", "oracle-two.example"] : [] }
  }))
}

const [o1, o2, o3, o4, o5] = observedSeed.organizations.map((o) => o.id) as [string, string, string, string, string]

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

const invalidPagination = { code: "guard.invalid_pagination", message: "The request pagination value is invalid." }
const invalidInput = { code: "entity.invalid_input", message: "Invalid input. Value list must not be empty." }
const internalError = { message: "Internal server error." }

const paging = "/api/organizations?q=oracle%20paging"
/** A `Link` line for the paging search, with the query Logto rebuilds (`q` re-encoded form-style). */
const orgs = (query: string, rel: string) => `<{origin}/organizations?q=oracle+paging&${query}>; rel="${rel}"`

export const observedCases: ReadonlyArray<ObservedCase> = [
  // §2.4: Link lines first, prev (page > 1), last, next (page < last); last = ceil(total / size), or 1.
  {
    fact: "the first page: first, last, next; page appended last when absent",
    method: "GET",
    path: `${paging}&page_size=2`,
    logto: {
      status: 200,
      ids: [o1, o2],
      totalNumber: "5",
      link: [
        orgs("page_size=2&page=1", "first"),
        orgs("page_size=2&page=3", "last"),
        orgs("page_size=2&page=2", "next")
      ]
    }
  },
  {
    fact: "a middle page: first, prev, last, next (last before next)",
    method: "GET",
    path: `${paging}&page_size=2&page=2`,
    logto: {
      status: 200,
      ids: [o3, o4],
      totalNumber: "5",
      link: [
        orgs("page_size=2&page=1", "first"),
        orgs("page_size=2&page=1", "prev"),
        orgs("page_size=2&page=3", "last"),
        orgs("page_size=2&page=3", "next")
      ]
    }
  },
  {
    fact: "the last page: no next",
    method: "GET",
    path: `${paging}&page_size=2&page=3`,
    logto: {
      status: 200,
      ids: [o5],
      totalNumber: "5",
      link: [
        orgs("page_size=2&page=1", "first"),
        orgs("page_size=2&page=2", "prev"),
        orgs("page_size=2&page=3", "last")
      ]
    }
  },
  {
    fact: "a page past the end: [], the full total, prev = page − 1",
    method: "GET",
    path: `${paging}&page_size=2&page=7`,
    logto: {
      status: 200,
      ids: [],
      totalNumber: "5",
      link: [
        orgs("page_size=2&page=1", "first"),
        orgs("page_size=2&page=6", "prev"),
        orgs("page_size=2&page=3", "last")
      ]
    }
  },
  {
    fact: "a total that is an exact multiple of the page size: last = total / size, no next",
    method: "GET",
    path: `${paging}&page_size=5`,
    logto: {
      status: 200,
      ids: [o1, o2, o3, o4, o5],
      totalNumber: "5",
      link: [orgs("page_size=5&page=1", "first"), orgs("page_size=5&page=1", "last")]
    }
  },
  {
    fact: "one item per page: last = total",
    method: "GET",
    path: `${paging}&page_size=1&page=4`,
    logto: {
      status: 200,
      ids: [o4],
      totalNumber: "5",
      link: [
        orgs("page_size=1&page=1", "first"),
        orgs("page_size=1&page=3", "prev"),
        orgs("page_size=1&page=5", "last"),
        orgs("page_size=1&page=5", "next")
      ]
    }
  },
  {
    fact: "no match: [], Total-Number 0, last = 1",
    method: "GET",
    path: "/api/organizations?q=oracle%20nothing&page_size=2",
    logto: {
      status: 200,
      ids: [],
      totalNumber: "0",
      link: [
        '<{origin}/organizations?q=oracle+nothing&page_size=2&page=1>; rel="first"',
        '<{origin}/organizations?q=oracle+nothing&page_size=2&page=1>; rel="last"'
      ]
    }
  },
  {
    fact: "page=2.5&page_size=2: offset 3 (items 4–5), links for page 2",
    method: "GET",
    path: `${paging}&page=2.5&page_size=2`,
    logto: {
      status: 200,
      ids: [o4, o5],
      totalNumber: "5",
      link: [
        orgs("page=1&page_size=2", "first"),
        orgs("page=1&page_size=2", "prev"),
        orgs("page=3&page_size=2", "last"),
        orgs("page=3&page_size=2", "next")
      ]
    }
  },
  {
    fact: "Number() accepts page_size=1e2 (100); the value is kept as sent in the links",
    method: "GET",
    path: `${paging}&page_size=1e2`,
    logto: {
      status: 200,
      ids: [o1, o2, o3, o4, o5],
      totalNumber: "5",
      link: [orgs("page_size=1e2&page=1", "first"), orgs("page_size=1e2&page=1", "last")]
    }
  },
  {
    fact: "Number() accepts page=%202 (a space, then 2), and 00002",
    method: "GET",
    path: `${paging}&page=%202&page_size=00002`,
    logto: {
      status: 200,
      ids: [o3, o4],
      totalNumber: "5",
      link: [
        orgs("page=1&page_size=00002", "first"),
        orgs("page=1&page_size=00002", "prev"),
        orgs("page=3&page_size=00002", "last"),
        orgs("page=3&page_size=00002", "next")
      ]
    }
  },
  {
    fact: "an empty page counts as absent (page 1), and stays in place in the links",
    method: "GET",
    path: `${paging}&page=&page_size=2`,
    logto: {
      status: 200,
      ids: [o1, o2],
      totalNumber: "5",
      link: [
        orgs("page=1&page_size=2", "first"),
        orgs("page=3&page_size=2", "last"),
        orgs("page=2&page_size=2", "next")
      ]
    }
  },
  {
    fact: "mandatory pagination without parameters: page 1 of 20, Total-Number and Link sent",
    method: "GET",
    path: `/api/organizations/${o1}/users`,
    logto: {
      status: 200,
      count: 3,
      totalNumber: "3",
      link: [
        `<{origin}/organizations/${o1}/users?page=1>; rel="first"`,
        `<{origin}/organizations/${o1}/users?page=1>; rel="last"`
      ]
    }
  },
  {
    fact: "optional pagination without parameters: everything, no Total-Number, no Link",
    method: "GET",
    path: `/api/organizations/${o1}/jit/email-domains`,
    logto: { status: 200, count: 2, totalNumber: null, link: null }
  },
  {
    fact: "optional pagination, both parameters empty: still off",
    method: "GET",
    path: `/api/organizations/${o1}/jit/email-domains?page=&page_size=`,
    logto: { status: 200, count: 2, totalNumber: null, link: null }
  },
  {
    fact: "optional pagination with page_size alone: on, page 1",
    method: "GET",
    path: `/api/organizations/${o1}/jit/email-domains?page_size=1`,
    logto: {
      status: 200,
      count: 1,
      totalNumber: "2",
      link: [
        `<{origin}/organizations/${o1}/jit/email-domains?page_size=1&page=1>; rel="first"`,
        `<{origin}/organizations/${o1}/jit/email-domains?page_size=1&page=2>; rel="last"`,
        `<{origin}/organizations/${o1}/jit/email-domains?page_size=1&page=2>; rel="next"`
      ]
    }
  },
  {
    fact: "no pagination (ListOrganizationUserScopes): page and page_size ignored, no headers",
    method: "GET",
    path: `/api/organizations/${o1}/users/${ids.users.alice}/scopes?page=2&page_size=1`,
    logto: { status: 200, body: [], totalNumber: null, link: null }
  },
  // §2.4: 400 guard.invalid_pagination.
  ...[
    "page=abc",
    "page=-1",
    "page=0",
    "page=1&page=2",
    "page=1&page=",
    "page_size=101",
    "page_size=100.5",
    "page_size=2&page_size=3"
  ].map((query): ObservedCase => ({
    fact: `${query}: 400 guard.invalid_pagination`,
    method: "GET",
    path: `/api/organizations?${query}`,
    logto: { status: 400, body: invalidPagination, totalNumber: null, link: null }
  })),
  // §2.4: a fractional limit or offset, or an infinite page, is PostgreSQL's 422.
  ...[
    "page_size=2.5",
    "page_size=0.5",
    "page=1.5&page_size=1",
    "page=1.5&page_size=3",
    "page=Infinity",
    "page=1e400"
  ].map((query): ObservedCase => ({
    fact: `${query}: 422 entity.invalid_input`,
    method: "GET",
    path: `/api/organizations/${o1}/users?${query}`,
    logto: { status: 422, body: invalidInput, totalNumber: null, link: null }
  })),
  {
    fact: "page=0.5 (a negative offset): Logto's 500; the proxy names the caller's mistake",
    method: "GET",
    path: "/api/organizations?page=0.5",
    logto: { status: 500, body: internalError, totalNumber: null, link: null },
    proxy: { status: 400, code: "guard.invalid_pagination" }
  },
  // §2.2: validation errors.
  {
    fact: "POST /api/organizations with an empty name: the ZodError with details",
    method: "POST",
    path: "/api/organizations",
    body: '{"name": ""}',
    logto: {
      status: 400,
      body: {
        code: "guard.invalid_input",
        message: "The request body is invalid.",
        data: {
          issues: [
            {
              code: "too_small",
              minimum: 1,
              type: "string",
              inclusive: true,
              exact: false,
              message: "String must contain at least 1 character(s)",
              path: ["name"]
            }
          ],
          name: "ZodError"
        },
        details: 'Error in key path "name": (too_small) String must contain at least 1 character(s)'
      }
    }
  },
  {
    fact: "PATCH with no effective keys: 422 entity.invalid_input",
    method: "PATCH",
    path: `/api/organizations/${o5}`,
    body: "{}",
    logto: { status: 422, body: invalidInput }
  },
  {
    fact: "PATCH createdAt out of the timestamp range (1e20): Logto's 500; the proxy names the key",
    method: "PATCH",
    path: `/api/organizations/${o5}`,
    body: '{"createdAt": 1e20}',
    logto: { status: 500, body: internalError },
    proxy: { status: 400, code: "guard.invalid_input" }
  }
]

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
