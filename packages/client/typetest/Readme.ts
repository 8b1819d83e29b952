/**
 * The README's examples, type-checked (never run).
 */
import { createOrgkitClient, LogtoApiError, LogtoClient, type OrgkitClient, Paginate } from "@orgkit/client"
import { FakeLogto } from "@orgkit/testing"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as FetchHttpClient from "effect/http/FetchHttpClient"

export const promiseExample = async () => {
  const logto = createOrgkitClient({
    baseUrl: "https://tenant.logto.app",
    clientCredentials: { clientId: "id", clientSecret: "secret" }
  })
  const org = await logto.createOrganization({ name: "Acme" })
  await logto.addOrganizationUsers(org.id, { userIds: ["u1", "u2"] })
  await logto.assignOrganizationRolesToUser(org.id, "u1", { organizationRoleNames: ["admin"] })
  const page = await logto.listOrganizationUsers(org.id, { q: "ada", page: 1, pageSize: 50 })
  const total: number = page.totalCount
  for await (const member of logto.paginate("listOrganizationUsers", org.id, { pageSize: 100 })) void member.id
  try {
    await logto.getOrganization(org.id)
  } catch (error) {
    if (error instanceof LogtoApiError && error.code === "entity.not_exists_with_id") return null
    throw error
  }
  return total
}

export const fakeExample = (): OrgkitClient => {
  const fake = FakeLogto.make({ seed: { users: [{ id: "u1" }], organizations: [{ id: "o1", name: "Acme" }] } })
  return createOrgkitClient({ baseUrl: FakeLogto.baseUrl, token: fake.token, fetch: fake.fetch })
}

const LogtoLive = LogtoClient.layerOptions({
  baseUrl: "https://tenant.logto.app",
  clientCredentials: { clientId: "id", clientSecret: "secret" },
  timeout: "10 seconds",
  retry: { retries: 3, idempotentPosts: true }
}).pipe(Layer.provide(FetchHttpClient.layer))

const effectExample = Effect.gen(function* () {
  const logto = yield* LogtoClient.LogtoClient
  const org = yield* logto.organizations.createOrganization({ payload: { name: "Acme" } })
  yield* logto.users.addOrganizationUsers({ params: { id: org.id }, payload: { userIds: ["u1"] } })
  const page = yield* logto.users.listOrganizationUsers({ params: { id: org.id }, query: { page_size: 20 } })
  const total: number = page.headers["total-number"]
  const name = yield* logto.organizations.getOrganization({ params: { id: "nope" } }).pipe(
    Effect.map((o) => o.name),
    Effect.catchTag("NotFound", (e) => Effect.succeed(`missing (${e.code})`))
  )
  const everyone = yield* Stream.runCollect(
    Paginate.items((p) => logto.users.listOrganizationUsers({ params: { id: org.id }, query: { ...p } }), {
      page_size: 50
    })
  )
  return [total, name, everyone.length] as const
}).pipe(Effect.provide(LogtoLive))

export const runEffectExample = (): Promise<void> => Effect.runPromise(effectExample.pipe(Effect.asVoid, Effect.orDie))
