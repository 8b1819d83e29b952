/**
 * A small Worker using the Promise client the way a team would: a Logto-facing route that lists
 * organizations. Logto is the fake, reached through its fetch handler (as a service binding would).
 */
import { PromiseClient } from "@orgkit/client"
import { FakeLogto } from "@orgkit/testing"
import { token, world } from "./world.ts"

let client: PromiseClient.OrgkitClient | undefined

// Built on first use: Workers forbid timers and random values at global scope.
const clientOf = () => {
  if (client === undefined) {
    const fake = FakeLogto.make({ seed: world, tokens: [token] })
    client = PromiseClient.createOrgkitClient({ baseUrl: FakeLogto.baseUrl, token, fetch: fake.fetch })
  }
  return client
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== "/organizations") return new Response("Not Found", { status: 404 })
    try {
      const page = await clientOf().listOrganizations({ q: url.searchParams.get("q") ?? undefined, pageSize: 2 })
      return Response.json({ names: page.items.map((o) => o.name), total: page.totalCount })
    } catch (error) {
      if (error instanceof PromiseClient.LogtoApiError)
        return Response.json({ code: error.code }, { status: error.status })
      throw error
    }
  }
}
