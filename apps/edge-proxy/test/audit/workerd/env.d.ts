import type * as Worker from "./worker.ts"
import type { Env as TestEnv } from "./worker.ts"

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof Worker
      durableNamespaces: "AuditLog"
    }
    interface Env extends TestEnv {}
  }
}
