/**
 * Walking Logto's paginated lists: a `Stream` of pages or of items, fetching page after page
 * until a short page or the `Total-Number` says there is no more.
 *
 * ```ts
 * const everyone = Paginate.items((page) => client.users.listOrganizationUsers({ params: { id }, query: { ...page, q: "ada" } }))
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as HttpApiSchema from "effect/http-api/HttpApiSchema"

/**
 * The page to fetch, in Logto's wire names, ready to spread into a list call's `query`.
 *
 * @category models
 * @since 0.1.0
 */
export interface PageRequest {
  readonly page: number
  readonly page_size: number
}

/**
 * One fetched page.
 *
 * @category models
 * @since 0.1.0
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** `Total-Number`, when Logto sent it. */
  readonly totalCount: number | undefined
  readonly page: number
  readonly pageSize: number
}

/**
 * What a list call returns (`HttpApiClient` decodes `Total-Number` into `headers`).
 *
 * @category models
 * @since 0.1.0
 */
export type ListResponse<A> = HttpApiSchema.withHeaders<ReadonlyArray<A>, { readonly "total-number"?: number }>

/**
 * Logto's largest page size, used unless told otherwise (fewest requests).
 *
 * @category constructors
 * @since 0.1.0
 */
export const maxPageSize = 100

/**
 * Whether a page is the last one: shorter than asked, empty, or reaching `Total-Number`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const isLastPage = (page: Page<unknown>): boolean =>
  page.items.length === 0 ||
  page.items.length < page.pageSize ||
  (page.totalCount !== undefined && page.page * page.pageSize >= page.totalCount)

/**
 * Every page of a list, starting at `startPage` (default 1) with `pageSize` items per page
 * (default 100, Logto's maximum).
 *
 * @category constructors
 * @since 0.1.0
 */
export const pages = <A, E, R>(
  fetch: (request: PageRequest) => Effect.Effect<ListResponse<A>, E, R>,
  options?: { readonly pageSize?: number | undefined; readonly startPage?: number | undefined }
): Stream.Stream<Page<A>, E, R> => {
  const pageSize = options?.pageSize ?? maxPageSize
  return Stream.paginate(options?.startPage ?? 1, (page: number) =>
    Effect.map(fetch({ page, page_size: pageSize }), (response) => {
      const current: Page<A> = {
        items: response.body,
        totalCount: response.headers["total-number"],
        page,
        pageSize
      }
      return [[current], isLastPage(current) ? Option.none<number>() : Option.some(page + 1)] as const
    })
  )
}

/**
 * Every item of every page of a list.
 *
 * @category constructors
 * @since 0.1.0
 */
export const items = <A, E, R>(
  fetch: (request: PageRequest) => Effect.Effect<ListResponse<A>, E, R>,
  options?: { readonly pageSize?: number | undefined; readonly startPage?: number | undefined }
): Stream.Stream<A, E, R> => Stream.flatMap(pages(fetch, options), (page) => Stream.fromIterable(page.items))
