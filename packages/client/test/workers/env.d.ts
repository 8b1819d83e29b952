import type * as Worker from "./worker.ts"

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof Worker
    }
  }
}
