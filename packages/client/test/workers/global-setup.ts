/**
 * Starts the fake Logto on a loopback port (in Node) so that the workerd suite can also reach it
 * over real HTTP with workerd's own `fetch`; provides its URL as `fakeUrl`.
 */
import { FakeLogto } from "@orgkit/testing"
import type { TestProject } from "vitest/node"
import { m2m, token, world } from "./world.ts"

declare module "vitest" {
  export interface ProvidedContext {
    fakeUrl: string
  }
}

export default async function setup(project: TestProject) {
  const server = await FakeLogto.serve({ host: "127.0.0.1", port: 0, seed: world, tokens: [token], clients: [m2m] })
  project.provide("fakeUrl", server.url)
  return () => server.close()
}
