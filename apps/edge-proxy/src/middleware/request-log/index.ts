/**
 * The `request-log` middleware: one JSON log line per request.
 */
export { requestLog, type RequestLogOptions, requestRecord, type RequestFields } from "./request-log.ts"
