/**
 * What Logto documents and sends about pagination, beyond the rules `Pagination.test.ts` pins: the
 * `page` and `page_size` parameters as Logto's own OpenAPI document describes them, and the name of
 * the total's header (spec §2.4).
 */
import { describe, expect, it } from "vitest"
import { OpenApiDocument, Pagination } from "../src/index.ts"
import logto from "./fixtures/logto-openapi-organizations.json" with { type: "json" }

type Parameter = { readonly name: string; readonly description?: string }
type Operations = Record<string, Record<string, { operationId?: string; parameters?: ReadonlyArray<Parameter> }>>

const paginationParameters = (paths: Operations) =>
  Object.values(paths)
    .flatMap((item) => Object.values(item))
    .flatMap((op) =>
      (op.parameters ?? [])
        .filter((p) => p.name === "page" || p.name === "page_size")
        .map((p) => [op.operationId, p.name, p.description] as const)
    )
    .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`))

describe("pagination as Logto documents and sends it", () => {
  it("describes page and page_size on every paginated list in Logto's words", () => {
    const ours = paginationParameters(OpenApiDocument.make().paths as unknown as Operations)
    const theirs = paginationParameters(logto.paths as unknown as Operations)
    expect(theirs.length).toBe(16)
    expect(ours).toEqual(theirs)
  })

  it("names the total's header Total-Number (in the lower case HTTP/2 sends)", () => {
    expect(Pagination.totalNumberHeader).toBe("total-number")
    expect(new Headers({ "Total-Number": "3" }).get(Pagination.totalNumberHeader)).toBe("3")
  })
})
