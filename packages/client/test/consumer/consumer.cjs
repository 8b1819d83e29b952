// A CommonJS project (`npm init -y`) using the ESM-only packages: `require()` of ESM (Node 22.12+) and
// `await import()` (any Node). Run by test/Consumer.test.ts; prints one JSON line.
const { createOrgkitClient, LogtoApiError } = require("@orgkit/client")

const main = async () => {
  const { FakeLogto } = await import("@orgkit/testing")
  const fake = await FakeLogto.serve({ tokens: ["cjs-token"], seed: { organizations: [{ id: "o1", name: "Acme" }] } })
  const logto = createOrgkitClient({ baseUrl: fake.url, token: "cjs-token" })
  const org = await logto.getOrganization("o1")
  const error = await logto.getOrganization("missing").catch((e) => e)
  await logto.close()
  await fake.close()
  console.log(JSON.stringify({ name: org.name, apiError: error instanceof LogtoApiError, status: error.status }))
}
main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
