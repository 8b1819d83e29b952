/**
 * A team's code using the packed libraries as published: compiled by `test/Consumer.test.ts` with
 * strict TypeScript (`node16` and `bundler` resolution) in a project installed with npm, and run
 * there against the fake over HTTP. It prints one JSON line of what it saw.
 */
import { createOrgkitClient, LogtoApiError, LogtoClient, Paginate, PromiseClient } from "@orgkit/client"
import { FakeLogto } from "@orgkit/testing"
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"

const token = "consumer-token"
const fake = await FakeLogto.serve({
  tokens: [token],
  seed: { users: [{ id: "u1" }, { id: "u2" }], organizations: [{ id: "o1", name: "Acme" }] }
})

// The Promise API, from the package's top level.
const logto = createOrgkitClient({ baseUrl: fake.url, token })
const created = await logto.createOrganization({ name: "Globex" })
await logto.addOrganizationUsers(created.id, { userIds: ["u1", "u2"] })
const page = await logto.listOrganizations({ pageSize: 1 })
const names: Array<string> = []
for await (const org of logto.paginate("listOrganizations", { pageSize: 1 })) names.push(org.name)
let notFound = "not thrown"
try {
  await logto.getOrganization("missing")
} catch (error) {
  if (error instanceof LogtoApiError) notFound = `${error.status} ${error.code ?? ""}`
}
await logto.close()

// The Effect API, with the consumer's own `effect`.
const program = Effect.gen(function* () {
  const client = yield* LogtoClient.LogtoClient
  const members = yield* Stream.runCollect(
    Paginate.items((p) => client.users.listOrganizationUsers({ params: { id: created.id }, query: { ...p } }), {
      page_size: 1
    })
  )
  const missing = yield* client.organizations.getOrganization({ params: { id: "missing" } }).pipe(
    Effect.map((org) => org.name),
    Effect.catchTag("NotFound", (error) => Effect.succeed(`NotFound ${error.code}`))
  )
  return { members: members.map((member) => member.id).sort(), missing }
})
const layer = LogtoClient.layerOptions({ baseUrl: fake.url, token }).pipe(Layer.provide(FetchHttpClient.layer))
const effect = await Effect.runPromise(program.pipe(Effect.provide(layer)))
await fake.close()

console.log(
  JSON.stringify({
    promise: {
      created: created.name,
      totalCount: page.totalCount,
      firstPage: page.items.length,
      names: names.sort(),
      notFound,
      sameClass: LogtoApiError === PromiseClient.LogtoApiError
    },
    effect
  })
)
