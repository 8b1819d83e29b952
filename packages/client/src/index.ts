/**
 * @since 0.1.0
 */
export * as Auth from "./Auth.ts"
/**
 * @since 0.1.0
 */
export * as ClientError from "./ClientError.ts"
/**
 * @since 0.1.0
 */
export * as LogtoClient from "./LogtoClient.ts"
/**
 * @since 0.1.0
 */
export * as Retry from "./Retry.ts"
/**
 * @since 0.1.0
 */
export * as Paginate from "./Paginate.ts"
/**
 * @since 0.1.0
 */
export * as PromiseClient from "./PromiseClient.ts"
/**
 * The Promise API's constructor and error classes, also at the top level:
 * `import { createOrgkitClient, LogtoApiError } from "@orgkit/client"`.
 *
 * @since 0.1.0
 */
export {
  createOrgkitClient,
  LogtoApiError,
  LogtoCallError,
  LogtoDecodeError,
  LogtoNetworkError,
  LogtoRequestError,
  LogtoTimeoutError,
  type OrgkitClient,
  type OrgkitClientOptions
} from "./PromiseClient.ts"
