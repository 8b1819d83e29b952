/**
 * @since 0.1.0
 */
export * as Body from "./Body.ts"
/**
 * @since 0.1.0
 */
export * as Etag from "./Etag.ts"
/**
 * @since 0.1.0
 */
export * as Jit from "./Jit.ts"
/**
 * @since 0.1.0
 */
export * as LogtoError from "./LogtoError.ts"
/**
 * @since 0.1.0
 */
export * as Member from "./Member.ts"
/**
 * @since 0.1.0
 */
export * as OpenApiDocument from "./OpenApiDocument.ts"
/**
 * @since 0.1.0
 */
export * as Organization from "./Organization.ts"
/**
 * @since 0.1.0
 */
export * as OrganizationApplicationsGroup from "./OrganizationApplicationsGroup.ts"
/**
 * @since 0.1.0
 */
export * as OrganizationJitGroup from "./OrganizationJitGroup.ts"
/**
 * @since 0.1.0
 */
export * as OrganizationsApi from "./OrganizationsApi.ts"
/**
 * @since 0.1.0
 */
export * as OrganizationsGroup from "./OrganizationsGroup.ts"
/**
 * @since 0.1.0
 */
export * as OrganizationUsersGroup from "./OrganizationUsersGroup.ts"
/**
 * @since 0.1.0
 */
export * as Pagination from "./Pagination.ts"
/**
 * @since 0.1.0
 */
export * as Payload from "./Payload.ts"
/**
 * @since 0.1.0
 */
export * as Role from "./Role.ts"
/**
 * @since 0.1.0
 */
export * as RouteTable from "./RouteTable.ts"
/**
 * @since 0.1.0
 */
export * as Validation from "./Validation.ts"
/**
 * @since 0.1.0
 */
export * as ZodIssues from "./ZodIssues.ts"
