/**
 * Starts the fake Logto on a loopback port for a test project (seeded with the demo data plus the
 * end-to-end extras), and provides its URL as `fakeUrl`; a second one for the cache suite (`cacheFakeUrl`).
 */
import { Demo, FakeLogto } from "@orgkit/testing"
import type { TestProject } from "vitest/node"
import { client, directToken, extraSeed } from "./fixtures/e2e.ts"

const start = async () => {
  const server = await FakeLogto.serve({
    host: "127.0.0.1",
    port: 0,
    seed: Demo.seed,
    tokens: [directToken],
    clients: [client]
  })
  server.fake.seed(extraSeed)
  return server
}

export default async function setup(project: TestProject) {
  const [server, cacheServer] = await Promise.all([start(), start()])
  project.provide("fakeUrl", server.url)
  project.provide("cacheFakeUrl", cacheServer.url)
  return () => Promise.all([server.close(), cacheServer.close()]).then(() => undefined)
}
