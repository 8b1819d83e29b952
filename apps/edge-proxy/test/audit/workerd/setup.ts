// Each test starts from empty bindings: D1 wiped and migrated again, Durable Objects reset (their
// cached chain head with them).
import { abortAllDurableObjects, applyD1Migrations, reset } from "cloudflare:test"
import { env } from "cloudflare:workers"
import { beforeEach } from "vitest"

beforeEach(async () => {
  await reset()
  await abortAllDurableObjects()
  await applyD1Migrations(env.AUDIT_DB, env.TEST_MIGRATIONS)
})
