/**
 * The `request-log` middleware: one JSON log line per request.
 */
export { prettyLine, prettyLines } from "./pretty.ts"
export {
  requestLog,
  type RequestLogOptions,
  requestRecord,
  type RequestFields,
  type RequestRecord
} from "./request-log.ts"
