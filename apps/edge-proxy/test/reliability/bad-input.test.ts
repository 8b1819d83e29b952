/**
 * Reliability: bad input. Thousands of generated invalid requests (fast-check, derived from core's
 * route table and schemas, fixed seed) and hand-written nasty ones go through the proxy's Node
 * server over real loopback HTTP to the fake Logto (real HTTP too). Every one must get a 4xx with
 * a Logto-shaped body, exactly the answer the spec gives, and nothing may reach the fake (its
 * request log); the proxy must keep serving valid requests throughout and afterwards.
 *
 * Sizes: `ORGKIT_RELIABILITY=full` runs 10,000 generated requests (`pnpm test:reliability`);
 * otherwise 350 (the short version, part of the normal test run). `ORGKIT_RELIABILITY_SEED`
 * replays another seed. Prints `bad-input: N tried, N passed, N failed`; the failures, with their
 * exact requests, go to `$TMPDIR/orgkit-reliability/bad-input.json` as well.
 */
import { describeBadInput } from "./support/bad-input.ts"
import { startStack } from "./support/stack.ts"

describeBadInput({ runtime: "node", start: () => startStack() })
