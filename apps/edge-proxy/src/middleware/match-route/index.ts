/**
 * The `match-route` middleware: only the 36 operations get past it.
 */
export { matchRoute } from "./match-route.ts"
