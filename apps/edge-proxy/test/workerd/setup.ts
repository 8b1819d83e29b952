// The Workers build keeps its audit trail in D1: migrate the test database once, as
// `wrangler d1 migrations apply` would (applying is idempotent).
import { applyD1Migrations } from "cloudflare:test"
import { env } from "cloudflare:workers"
import { beforeAll } from "vitest"

beforeAll(async () => {
  await applyD1Migrations(env.AUDIT_DB, env.TEST_MIGRATIONS)
})
