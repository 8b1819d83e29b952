/**
 * The `request-id` middleware: one id per request, from the caller or generated, on every response
 * and every log line.
 */
export { requestId, type RequestIdOptions, usableRequestId } from "./request-id.ts"
