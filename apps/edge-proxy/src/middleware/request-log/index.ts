/**
 * The `request-log` middleware: one JSON log line per request, and the outcome of writes and
 * denials handed to the audit sink.
 */
export { requestLog, type RequestLogOptions } from "./request-log.ts"
