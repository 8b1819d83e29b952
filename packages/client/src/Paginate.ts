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
  /** The page size asked for (the query's name, as in {@link PageRequest}). */
  readonly page_size: number
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
 * Where to start and how many items to ask for per page, in the same names as the query: `page`
 * (default 1) and `page_size` (default 100, Logto's maximum).
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly page?: number | undefined
  readonly page_size?: number | undefined
}

/**
 * Whether a page is the last one: shorter than asked, empty, or reaching `Total-Number`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const isLastPage = (page: Page<unknown>): boolean =>
  page.items.length === 0 ||
  page.items.length < page.page_size ||
  (page.totalCount !== undefined && page.page * page.page_size >= page.totalCount)

/**
 * Why a page cannot have been fetched with the page size asked for, if so: more items than asked,
 * or fewer while `Total-Number` says more follow. Both happen when the list call sets its own
 * `page_size` instead of the one it was given; walking on would skip or repeat items.
 *
 * @category constructors
 * @since 0.1.0
 */
export const pageSizeConflict = (page: Page<unknown>): string | undefined => {
  const { items, page_size: pageSize, totalCount } = page
  const more = totalCount !== undefined && (page.page - 1) * pageSize + items.length < totalCount
  if (items.length <= pageSize && !(items.length < pageSize && more)) return undefined
  return (
    `page ${page.page} has ${items.length} items${totalCount === undefined ? "" : ` of ${totalCount}`}, ` +
    `but ${pageSize} per page were asked for: the list call must use the page_size it is given ` +
    `(to change it, pass { page_size } to Paginate.pages or Paginate.items)`
  )
}

/**
 * Every page of a list, starting at `options.page` (default 1) with `options.page_size` items per
 * page (default 100, Logto's maximum). The list call receives both and must send them as they are
 * (spread them into its `query`); a page that cannot have been fetched with them (see
 * {@link pageSizeConflict}) stops the stream with a defect that says so.
 *
 * @category constructors
 * @since 0.1.0
 */
export const pages = <A, E, R>(
  fetch: (request: PageRequest) => Effect.Effect<ListResponse<A>, E, R>,
  options?: Options
): Stream.Stream<Page<A>, E, R> => {
  const pageSize = options?.page_size ?? maxPageSize
  return Stream.paginate(options?.page ?? 1, (page: number) =>
    Effect.flatMap(fetch({ page, page_size: pageSize }), (response) => {
      const current: Page<A> = {
        items: response.body,
        totalCount: response.headers["total-number"],
        page,
        page_size: pageSize
      }
      const conflict = pageSizeConflict(current)
      if (conflict !== undefined) return Effect.die(new RangeError(`Paginate: ${conflict}`))
      return Effect.succeed([[current], isLastPage(current) ? Option.none<number>() : Option.some(page + 1)] as const)
    })
  )
}

/**
 * Every item of every page of a list (see {@link pages}).
 *
 * @category constructors
 * @since 0.1.0
 */
export const items = <A, E, R>(
  fetch: (request: PageRequest) => Effect.Effect<ListResponse<A>, E, R>,
  options?: Options
): Stream.Stream<A, E, R> => Stream.flatMap(pages(fetch, options), (page) => Stream.fromIterable(page.items))
