/**
 * The id of the organization a CreateOrganization created, read from a copy of Logto's 201 body:
 * the proxy's `request-log` passes it to `AuditSink.settle`, so the event (and its log line) is
 * filed under the new organization.
 */

/** The `id` of a created organization, from a copy of the 201 body (the caller still gets the original). */
export const createdIdOf = async (response: Response): Promise<string | undefined> => {
  try {
    const id = ((await response.clone().json()) as { id?: unknown }).id
    return typeof id === "string" ? id : undefined
  } catch {
    return undefined
  }
}
