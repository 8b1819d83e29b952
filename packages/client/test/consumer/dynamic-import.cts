/**
 * A CommonJS TypeScript project under `module: node16`: a static `import` of the ESM-only packages
 * would be TS1479, so it loads them with `await import()` (typed). Compiled and run by
 * `test/Consumer.test.ts`; prints one JSON line.
 */
const main = async (): Promise<void> => {
  const { createOrgkitClient, LogtoApiError } = await import("@orgkit/client")
  const { FakeLogto } = await import("@orgkit/testing")
  const fake = await FakeLogto.serve({ tokens: ["cts-token"], seed: { organizations: [{ id: "o1", name: "Acme" }] } })
  const logto = createOrgkitClient({ baseUrl: fake.url, token: "cts-token" })
  const page = await logto.listOrganizations({ q: "Ac" })
  const error: unknown = await logto.deleteOrganization("missing").catch((e: unknown) => e)
  await logto.close()
  await fake.close()
  console.log(JSON.stringify({ names: page.items.map((o) => o.name), apiError: error instanceof LogtoApiError }))
}
void main()
