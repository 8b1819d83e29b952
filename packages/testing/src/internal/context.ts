/**
 * What the front (routing, auth, validation) hands to the HttpApi handlers for one request: the
 * decoded path parameters and Logto's pagination, which Logto accepts in forms (`page=1e1`,
 * `page=2.5`) that a typed query schema would reject.
 */
import type { Pagination } from "@orgkit/core"

/** The validated parts of a request that the handlers need. */
export interface RequestContext {
  readonly params: Readonly<Record<string, string>>
  readonly pagination:
    | { readonly _tag: "Off" }
    | { readonly _tag: "Page"; readonly offset: number; readonly pageSize: number }
}

const contexts = new WeakMap<object, RequestContext>()

/** Attaches the context to the request the HttpApi will see. */
export const set = (request: object, context: RequestContext): void => {
  contexts.set(request, context)
}

/** The context of a request that went through the front, if it did. */
export const get = (request: object): RequestContext | undefined => contexts.get(request)

/**
 * Pagination for a request that did not go through the front (the handler layers used on their
 * own, e.g. with `HttpApiTest`): taken from the typed query.
 */
export const fallbackPagination = (
  mode: Pagination.Mode,
  query: { readonly page?: number | undefined; readonly page_size?: number | undefined }
): RequestContext["pagination"] => {
  if (mode === "none" || (mode === "optional" && query.page === undefined && query.page_size === undefined)) {
    return { _tag: "Off" }
  }
  const page = query.page ?? 1
  const pageSize = query.page_size ?? 20
  return { _tag: "Page", offset: (page - 1) * pageSize, pageSize }
}
