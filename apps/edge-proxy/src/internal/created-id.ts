/** The id of the organization a CreateOrganization created, read from Logto's 201 body. */
import type { RouteTable } from "@orgkit/core"

const decoder = new TextDecoder()

/**
 * The new organization's id when `route` creates one and Logto answered 201 with a body holding a
 * string `id`; `undefined` otherwise.
 *
 * @example
 * createdOrganizationId(route, answer.status, answer.body) // "k3j4h5g6f7d8"
 */
export const createdOrganizationId = (
  route: RouteTable.Route,
  status: number | undefined,
  body: Uint8Array | undefined
): string | undefined => {
  if (route.subject !== "new-organization" || status !== 201 || body === undefined || body.byteLength === 0) {
    return undefined
  }
  try {
    const id = (JSON.parse(decoder.decode(body)) as { id?: unknown }).id
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}
