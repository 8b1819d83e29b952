import type { Env as TestEnv } from "./worker.ts"

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("./worker.ts")
      durableNamespaces: "AuditLog"
    }
    interface Env extends TestEnv {}
  }
}
