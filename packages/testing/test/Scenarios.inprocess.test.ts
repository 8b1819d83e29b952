import { afterAll, describe } from "vitest"
import { FakeLogto } from "../src/index.ts"
import { scenarios } from "./scenarios.ts"

const client = { clientId: "scenario-client", clientSecret: "scenario-secret" }
const fake = FakeLogto.make({ tokens: ["scenario-token"], clients: [client] })
afterAll(() => fake.dispose())

describe("scenarios in process (fetch handler)", () => {
  scenarios(() => ({ fetch: fake.fetch, baseUrl: "http://logto.test", token: "scenario-token", client }))
})
