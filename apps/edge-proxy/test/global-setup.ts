/**
 * Starts the fake Logto on a loopback port for a test project (seeded with the demo data plus the
 * end-to-end extras), and provides its URL as `fakeUrl`.
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import type { TestProject } from "vitest/node"
import { client, directToken, extraSeed } from "./fixtures/e2e.ts"

export default async function setup(project: TestProject) {
  const server = await FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [client]
  })
  server.fake.seed(extraSeed)
  project.provide("fakeUrl", server.url)
  return () => server.close()
}
