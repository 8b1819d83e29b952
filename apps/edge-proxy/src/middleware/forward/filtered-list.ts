import { Etag, Pagination } from "@orgkit/core"
import type { UpstreamTrace } from "../../env.ts"
import type { UpstreamResponse } from "../../ports.ts"
import type { Exchange } from "./exchange.ts"

/** What the filtered ListOrganizations needs to know about the request. */
export interface FilteredListRequest {
  /** The caller's URL (its origin and path make the `Link` URLs; its query is passed on). */
  readonly url: string
  readonly headers: Record<string, string>
  readonly callerHeaders: Headers
  /** The caller's page (validated). */
  readonly page: { readonly offset: number; readonly pageSize: number }
  /** The organizations the key may see. */
  readonly allowed: ReadonlySet<string>
  /** The caller's key id (the upstream budget's fair share). */
  readonly keyId: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const upstreamPageSize = 100

/**
 * ListOrganizations for an organization-restricted key: Logto's own answer, intersected with the
 * key's organizations. Logto is asked for every page of the same query (`q`, `showFeatured` and any
 * other parameter unchanged) at 100 per page, in its order, stopping as soon as every allowed
 * organization has been seen or the list ends; the matches are then paginated with the caller's
 * `page`/`page_size`, with `Total-Number` counting only the key's organizations, `Link` lines for
 * that count, and Logto's ETag/304 rules over the filtered body. Each item is re-serialized from
 * Logto's JSON unchanged. An upstream error answer is returned as it is.
 */
export const filteredOrganizations = async (
  exchange: Exchange,
  trace: UpstreamTrace,
  request: FilteredListRequest
): Promise<UpstreamResponse> => {
  const url = new URL(request.url)
  const query = new URLSearchParams(url.search)
  query.delete("page")
  query.delete("page_size")
  query.set("page_size", String(upstreamPageSize))
  const matches: Array<unknown> = []
  const seen = new Set<string>()
  for (let page = 1; ; page++) {
    query.set("page", String(page))
    const response = await exchange(trace, {
      method: "GET",
      target: `/api/organizations?${query.toString()}`,
      headers: request.headers,
      idempotent: true,
      keyId: request.keyId
    })
    if (response.status !== 200) return response
    const items = JSON.parse(decoder.decode(response.body)) as Array<{ readonly id: string }>
    for (const item of items) {
      if (request.allowed.has(item.id) && !seen.has(item.id)) {
        seen.add(item.id)
        matches.push(item)
      }
    }
    const total = Number(response.headers.get(Pagination.totalNumberHeader) ?? "0")
    if (seen.size === request.allowed.size || items.length < upstreamPageSize || page * upstreamPageSize >= total) break
  }
  const { offset, pageSize } = request.page
  const body = encoder.encode(JSON.stringify(matches.slice(offset, offset + pageSize)))
  const etag = await Etag.compute(body)
  const headers = new Headers({
    "content-type": "application/json; charset=utf-8",
    etag,
    [Pagination.totalNumberHeader]: String(matches.length)
  })
  for (const line of Pagination.linkHeaders(url, request.page, matches.length)) headers.append("link", line)
  if (Etag.isFresh(request.callerHeaders, etag)) {
    headers.delete("content-type")
    return { status: 304, headers, body: new Uint8Array(0) }
  }
  return { status: 200, headers, body }
}
