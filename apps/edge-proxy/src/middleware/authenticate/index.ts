/**
 * The `authenticate` middleware: scoped proxy keys, with Logto's 401 and 403 answers.
 */
export { authenticate, type AuthenticateOptions, identify, permits, type Refusal, scopeFor } from "./authenticate.ts"
export { constantTimeEqual, type KeyStore, makeKeyStore } from "./key-store.ts"
