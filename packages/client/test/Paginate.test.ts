/**
 * `Paginate`'s two decisions on a fetched page, over a table of pages: whether it is the last one
 * (empty, shorter than asked, or reaching `Total-Number`), and whether it cannot have been fetched
 * with the page size asked for (the message says how). The walks over real lists are in
 * `LogtoClient.fake.test.ts` and `PromiseClient.test.ts`.
 */
import { Paginate } from "@orgkit/client"
import { describe, expect, it } from "vitest"

const page = (items: number, page_: number, pageSize: number, totalCount?: number): Paginate.Page<number> => ({
  items: Array.from({ length: items }, (_, i) => i),
  page: page_,
  page_size: pageSize,
  totalCount
})

describe("Paginate.isLastPage", () => {
  it.each([
    ["an empty page, whatever the size asked for", page(0, 1, 0), true],
    ["an empty page with more announced", page(0, 3, 5, 40), true],
    ["a short page without Total-Number", page(2, 1, 5), true],
    ["a full page without Total-Number", page(5, 1, 5), false],
    ["a full page below Total-Number", page(5, 3, 5, 20), false],
    ["a full page reaching Total-Number exactly", page(5, 4, 5, 20), true],
    ["a full page past Total-Number (the list shrank)", page(5, 5, 5, 20), true]
  ])("%s: %s", (_, p, last) => {
    expect(Paginate.isLastPage(p)).toBe(last)
  })
})

describe("Paginate.pageSizeConflict", () => {
  const advice =
    "the list call must use the page_size it is given (to change it, pass { page_size } to Paginate.pages or Paginate.items)"
  it.each([
    ["a full page", page(5, 1, 5, 12), undefined],
    ["the short last page", page(2, 3, 5, 12), undefined],
    ["a short page without Total-Number", page(2, 1, 5), undefined],
    [
      "more items than asked, no Total-Number",
      page(6, 1, 5),
      `page 1 has 6 items, but 5 per page were asked for: ${advice}`
    ],
    [
      "fewer items than asked while more follow",
      page(3, 2, 5, 12),
      `page 2 has 3 items of 12, but 5 per page were asked for: ${advice}`
    ]
  ])("%s", (_, p, conflict) => {
    expect(Paginate.pageSizeConflict(p)).toBe(conflict)
  })
})
