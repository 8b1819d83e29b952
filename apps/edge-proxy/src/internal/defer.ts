import type { Context } from "hono"
import type { AppEnv } from "../env.ts"

/**
 * Lets work finish after the response: `waitUntil` on Workers; on Node the promise simply runs on.
 * A failure goes to `onError` instead of becoming an unhandled rejection.
 */
export const defer = (c: Context<AppEnv>, work: Promise<unknown>, onError: (error: unknown) => void): void => {
  const guarded = work.catch(onError)
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // No ExecutionContext outside Workers.
  }
  ctx?.waitUntil(guarded)
}
