/**
 * Reliability: bad input against the proxy's Worker in workerd (Miniflare on a loopback port, the
 * Worker bundled as wrangler would, the cache's Durable Objects bound, the fake Logto over real
 * HTTP behind it). The same generated and hand-written invalid requests as on Node
 * (`bad-input.test.ts`): each must get Logto's 4xx and nothing may reach the fake. Raw protocol
 * abuse is left out here: on Workers the HTTP layer in front of the Worker parses it.
 * `ORGKIT_RELIABILITY=full` runs the full size. Prints `bad-input-workerd: N tried, N passed, N failed`.
 */
import { describeBadInput } from "./support/bad-input.ts"
import { startWorkerStack } from "./support/stack.ts"

describeBadInput({ runtime: "workerd", start: () => startWorkerStack() })
