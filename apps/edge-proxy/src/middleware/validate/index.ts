/**
 * The `validate` middleware: Logto's request validation at the edge, before anything is forwarded.
 */
export { readBody } from "./read-body.ts"
export { validate, type ValidateOptions } from "./validate.ts"
