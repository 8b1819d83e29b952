/**
 * The `forward` handler: the request to Logto, and Logto's answer back to the caller.
 */
export { type Exchange, type ExchangeOptions, makeExchange, newTrace } from "./exchange.ts"
export { filteredOrganizations } from "./filtered-list.ts"
export { forward, type ForwardOptions } from "./forward.ts"
export {
  cacheRequestHeaders,
  callerLink,
  forwardedRequestHeaders,
  passedResponseHeaders,
  rewriteLinks
} from "./headers.ts"
