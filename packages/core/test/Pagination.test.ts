import { describe, expect, it } from "vitest"
import { Pagination } from "../src/index.ts"

const parse = (query: string, mode: Pagination.Mode = "mandatory") => Pagination.parse(new URLSearchParams(query), mode)
const page = (query: string, mode: Pagination.Mode = "mandatory") => {
  const p = parse(query, mode)
  return p._tag === "Page" ? [p.page, p.pageSize, p.offset] : p._tag === "Off" ? "off" : [p.status, p.body]
}
const invalidPagination = [
  400,
  { code: "guard.invalid_pagination", message: "The request pagination value is invalid." }
]

describe("Pagination.parse", () => {
  it("defaults to page 1 of 20 on mandatory lists", () => {
    expect(page("")).toEqual([1, 20, 0])
    expect(page("page=3&page_size=7")).toEqual([3, 7, 14])
  })

  it("paginates optional lists only when page or page_size is sent, defaulting the other", () => {
    expect(page("", "optional")).toBe("off")
    expect(page("page=&page_size=", "optional")).toBe("off")
    expect(page("page=2", "optional")).toEqual([2, 20, 20])
    expect(page("page_size=2", "optional")).toEqual([1, 2, 0])
  })

  it("never paginates lists without pagination, whatever is sent", () => {
    expect(page("page=abc", "none")).toBe("off")
  })

  it("accepts what Number() accepts, as Logto does", () => {
    expect(page("page=1e1")).toEqual([10, 20, 180])
    expect(page("page=0x10&page_size=00002")).toEqual([16, 2, 30])
    expect(page("page=%202")).toEqual([2, 20, 20])
    expect(page("page=+2")).toEqual([2, 20, 20])
    expect(page("page_size=1e2")).toEqual([1, 100, 0])
    expect(page("page=1.0")).toEqual([1, 20, 0])
  })

  it("rejects non-positive, non-numeric, repeated and oversized values with guard.invalid_pagination", () => {
    for (const query of [
      "page=abc",
      "page=-1",
      "page=0",
      "page=1&page=2",
      "page=1&page=",
      "page_size=101",
      "page_size=100.5",
      "page_size=2&page_size=3",
      "page_size=0"
    ]) {
      expect(page(query), query).toEqual(invalidPagination)
    }
  })

  it("shifts the offset for a fractional page, and answers 422 for a fractional page_size or an infinite page", () => {
    expect(page("page=2.5&page_size=2")).toEqual([2.5, 2, 3])
    for (const query of ["page_size=2.5", "page_size=0.5", "page=Infinity", "page=1e400"]) {
      expect(page(query), query).toEqual([
        422,
        { code: "entity.invalid_input", message: "Invalid input. Value list must not be empty." }
      ])
    }
  })

  it("answers 422 entity.invalid_input for an offset that is not a whole number, rounding nothing [observed]", () => {
    for (const query of [
      "page=1.5&page_size=1",
      "page=2.5&page_size=1",
      "page=1.5&page_size=3",
      "page=1.1&page_size=10"
    ]) {
      expect(page(query), query).toEqual([
        422,
        { code: "entity.invalid_input", message: "Invalid input. Value list must not be empty." }
      ])
    }
    expect(page("page=2.5&page_size=2")).toEqual([2.5, 2, 3])
    expect(Pagination.parse(new URLSearchParams("page=1.5&page_size=2"), "optional")).toEqual({
      _tag: "Page",
      page: 1.5,
      pageSize: 2,
      offset: 1
    })
  })

  it("reproduces Logto's 500 for a negative offset (page=0.5)", () => {
    expect(page("page=0.5")).toEqual([500, { message: "Internal server error." }])
  })
})

describe("Pagination.linkHeaders", () => {
  it("lists first, prev, last, next without /api, replacing page in place", () => {
    const url = new URL("https://auth.example.com/api/organizations?page_size=2&q=a+b&page=2")
    expect(Pagination.linkHeaders(url, { offset: 2, pageSize: 2 }, 5)).toEqual([
      '<https://auth.example.com/organizations?page_size=2&q=a+b&page=1>; rel="first"',
      '<https://auth.example.com/organizations?page_size=2&q=a+b&page=1>; rel="prev"',
      '<https://auth.example.com/organizations?page_size=2&q=a+b&page=3>; rel="last"',
      '<https://auth.example.com/organizations?page_size=2&q=a+b&page=3>; rel="next"'
    ])
  })

  it("appends page when absent, joins repeated keys with a comma, and keeps prev past the end", () => {
    const url = new URL("http://h/api/organizations/o/users?foo=bar&foo=baz&page_size=")
    expect(Pagination.linkHeaders(url, { offset: 120, pageSize: 20 }, 0)).toEqual([
      '<http://h/organizations/o/users?foo=bar%2Cbaz&page_size=&page=1>; rel="first"',
      '<http://h/organizations/o/users?foo=bar%2Cbaz&page_size=&page=6>; rel="prev"',
      '<http://h/organizations/o/users?foo=bar%2Cbaz&page_size=&page=1>; rel="last"'
    ])
  })
})
