/**
 * Type-level conformance of @orgkit/core against Logto's official generated types
 * (`@logto/api@1.42.0`, `lib/generated-types/management.d.ts`).
 *
 * For each of the 36 operations, the types a caller sends (path, query, body) and receives (the
 * success body) must equal Logto's, in both directions. Where Logto's types are wrong (spec §5.1),
 * the difference is applied to Logto's side by a named patch, so that the check still fails if
 * anything else changes. `tsc -b` (the `check` task) fails on any mismatch.
 */
import type { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import type { operations } from "../node_modules/@logto/api/lib/generated-types/management.js"
import type { OrganizationApplicationsGroup } from "../src/OrganizationApplicationsGroup.ts"
import type { OrganizationJitGroup } from "../src/OrganizationJitGroup.ts"
import type { OrganizationsGroup } from "../src/OrganizationsGroup.ts"
import type { OrganizationUsersGroup } from "../src/OrganizationUsersGroup.ts"

/** Drops `readonly` everywhere, so that our immutable types compare with Logto's mutable ones. */
type Normalize<T> =
  T extends ReadonlyArray<infer U>
    ? Array<Normalize<U>>
    : T extends object
      ? { -readonly [K in keyof T]: Normalize<T[K]> }
      : T

/** Exact type identity (not mere assignability). */
type Equals<A, B> =
  (<T>() => T extends Normalize<A> ? 1 : 2) extends <T>() => T extends Normalize<B> ? 1 : 2 ? true : false

type Endpoints =
  | HttpApiGroup.Endpoints<typeof OrganizationsGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationUsersGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationApplicationsGroup>
  | HttpApiGroup.Endpoints<typeof OrganizationJitGroup>
type Endpoint<Name extends string> = HttpApiEndpoint.WithIdentifier<Endpoints, Name>

type BodyOf<T> = T extends { readonly body: infer B; readonly headers: unknown } ? B : T

/** What a caller of our endpoint sends and receives. */
interface Ours<E> {
  path: [HttpApiEndpoint.Params<E>] extends [never] ? never : HttpApiEndpoint.Params<E>["Type"]
  query: [HttpApiEndpoint.Query<E>] extends [never] ? never : HttpApiEndpoint.Query<E>["Type"]
  body: [HttpApiEndpoint.Payload<E>] extends [never] ? never : HttpApiEndpoint.Payload<E>["Type"]
  success: BodyOf<HttpApiEndpoint.Success<E>["Type"]>
}

type Json<R> = R extends { content: { "application/json": infer B } } ? B : void
type Success2xx<R> = R extends { 200: infer S } ? Json<S> : R extends { 201: infer S } ? Json<S> : void

/** What Logto's types say a caller sends and receives. */
interface Logto<O extends { parameters: unknown; responses: unknown }> {
  path: O["parameters"] extends { path: infer P } ? P : never
  query: O["parameters"] extends { query?: infer Q } ? Exclude<Q, undefined> : never
  body: [NonNullable<O["requestBody" & keyof O]>] extends [never]
    ? never
    : NonNullable<O["requestBody" & keyof O]> extends { content: { "application/json": infer B } }
      ? B
      : never
  success: Success2xx<O["responses"]>
}

interface Slots {
  path: unknown
  query: unknown
  body: unknown
  success: unknown
}

/** "ok" when all four slots are equal, else the name of the first slot that differs. */
type Conforms<Name extends string, L extends Slots, O extends Slots = Ours<Endpoint<Name>>> =
  Equals<O["path"], L["path"]> extends false
    ? `${Name}: path differs from @logto/api`
    : Equals<O["query"], L["query"]> extends false
      ? `${Name}: query differs from @logto/api`
      : Equals<O["body"], L["body"]> extends false
        ? `${Name}: body differs from @logto/api`
        : Equals<O["success"], L["success"]> extends false
          ? `${Name}: success differs from @logto/api`
          : "ok"

type Check<Name extends string, OperationId extends keyof operations> = Conforms<Name, Logto<operations[OperationId]>>

/** Replaces one slot of Logto's side: a documented difference between Logto's types and Logto. */
type Patch<L, K extends keyof L, V> = Omit<L, K> & { [P in K]: V }

// Named differences (spec §5.1):
/** §5.1.5: the six 201s answer the plain text `Created`; Logto types them `unknown`. */
type CreatedText<Op extends keyof operations> = Patch<Logto<operations[Op]>, "success", string>
/** §5.1.1: Logto after 1.42.0 sends `cimdClientId` on users (nullable, optional for older servers). */
type WithCimd = Patch<
  Logto<operations["ListOrganizationUsers"]>,
  "success",
  Array<
    Logto<operations["ListOrganizationUsers"]>["success"] extends Array<infer U>
      ? U & { cimdClientId?: string | null }
      : never
  >
>
/** §5.1.9: `redirectUris` and `postLogoutRedirectUris` are `string[]` at runtime, typed `{[k]: unknown}[]`. */
type AppItem = Logto<operations["ListOrganizationApplications"]>["success"] extends Array<infer U> ? U : never
type WithStringUris = Patch<
  Logto<operations["ListOrganizationApplications"]>,
  "success",
  Array<
    Omit<AppItem, "oidcClientMetadata"> & {
      oidcClientMetadata: Omit<AppItem["oidcClientMetadata"], "redirectUris" | "postLogoutRedirectUris"> & {
        redirectUris: Array<string>
        postLogoutRedirectUris: Array<string>
      }
    }
  >
>

/** Every entry must be exactly "ok"; a mismatch names the operation and the slot. */
export const conformance: Record<string, "ok"> = {
  ListOrganizations: null as unknown as Check<"listOrganizations", "ListOrganizations">,
  CreateOrganization: null as unknown as Check<"createOrganization", "CreateOrganization">,
  GetOrganization: null as unknown as Check<"getOrganization", "GetOrganization">,
  UpdateOrganization: null as unknown as Check<"updateOrganization", "UpdateOrganization">,
  DeleteOrganization: null as unknown as Check<"deleteOrganization", "DeleteOrganization">,
  ListOrganizationUsers: null as unknown as Conforms<"listOrganizationUsers", WithCimd>,
  AddOrganizationUsers: null as unknown as Check<"addOrganizationUsers", "AddOrganizationUsers">,
  ReplaceOrganizationUsers: null as unknown as Check<"replaceOrganizationUsers", "ReplaceOrganizationUsers">,
  DeleteOrganizationUser: null as unknown as Check<"deleteOrganizationUser", "DeleteOrganizationUser">,
  AssignOrganizationRolesToUsers: null as unknown as Conforms<
    "assignOrganizationRolesToUsers",
    CreatedText<"AssignOrganizationRolesToUsers">
  >,
  ListOrganizationUserRoles: null as unknown as Check<"listOrganizationUserRoles", "ListOrganizationUserRoles">,
  ReplaceOrganizationUserRoles: null as unknown as Check<
    "replaceOrganizationUserRoles",
    "ReplaceOrganizationUserRoles"
  >,
  AssignOrganizationRolesToUser: null as unknown as Check<
    "assignOrganizationRolesToUser",
    "AssignOrganizationRolesToUser"
  >,
  DeleteOrganizationUserRole: null as unknown as Check<"deleteOrganizationUserRole", "DeleteOrganizationUserRole">,
  ListOrganizationUserScopes: null as unknown as Check<"listOrganizationUserScopes", "ListOrganizationUserScopes">,
  ListOrganizationApplications: null as unknown as Conforms<"listOrganizationApplications", WithStringUris>,
  AddOrganizationApplications: null as unknown as Conforms<
    "addOrganizationApplications",
    CreatedText<"AddOrganizationApplications">
  >,
  ReplaceOrganizationApplications: null as unknown as Check<
    "replaceOrganizationApplications",
    "ReplaceOrganizationApplications"
  >,
  DeleteOrganizationApplication: null as unknown as Check<
    "deleteOrganizationApplication",
    "DeleteOrganizationApplication"
  >,
  AssignOrganizationRolesToApplications: null as unknown as Conforms<
    "assignOrganizationRolesToApplications",
    CreatedText<"AssignOrganizationRolesToApplications">
  >,
  ListOrganizationApplicationRoles: null as unknown as Check<
    "listOrganizationApplicationRoles",
    "ListOrganizationApplicationRoles"
  >,
  ReplaceOrganizationApplicationRoles: null as unknown as Check<
    "replaceOrganizationApplicationRoles",
    "ReplaceOrganizationApplicationRoles"
  >,
  AssignOrganizationRolesToApplication: null as unknown as Conforms<
    "assignOrganizationRolesToApplication",
    CreatedText<"AssignOrganizationRolesToApplication">
  >,
  DeleteOrganizationApplicationRole: null as unknown as Check<
    "deleteOrganizationApplicationRole",
    "DeleteOrganizationApplicationRole"
  >,
  ListOrganizationJitEmailDomains: null as unknown as Check<
    "listOrganizationJitEmailDomains",
    "ListOrganizationJitEmailDomains"
  >,
  CreateOrganizationJitEmailDomain: null as unknown as Check<
    "createOrganizationJitEmailDomain",
    "CreateOrganizationJitEmailDomain"
  >,
  ReplaceOrganizationJitEmailDomains: null as unknown as Check<
    "replaceOrganizationJitEmailDomains",
    "ReplaceOrganizationJitEmailDomains"
  >,
  DeleteOrganizationJitEmailDomain: null as unknown as Check<
    "deleteOrganizationJitEmailDomain",
    "DeleteOrganizationJitEmailDomain"
  >,
  ListOrganizationJitRoles: null as unknown as Check<"listOrganizationJitRoles", "ListOrganizationJitRoles">,
  CreateOrganizationJitRole: null as unknown as Conforms<
    "createOrganizationJitRole",
    CreatedText<"CreateOrganizationJitRole">
  >,
  ReplaceOrganizationJitRoles: null as unknown as Check<"replaceOrganizationJitRoles", "ReplaceOrganizationJitRoles">,
  DeleteOrganizationJitRole: null as unknown as Check<"deleteOrganizationJitRole", "DeleteOrganizationJitRole">,
  ListOrganizationJitSsoConnectors: null as unknown as Check<
    "listOrganizationJitSsoConnectors",
    "ListOrganizationJitSsoConnectors"
  >,
  CreateOrganizationJitSsoConnector: null as unknown as Conforms<
    "createOrganizationJitSsoConnector",
    CreatedText<"CreateOrganizationJitSsoConnector">
  >,
  ReplaceOrganizationJitSsoConnectors: null as unknown as Check<
    "replaceOrganizationJitSsoConnectors",
    "ReplaceOrganizationJitSsoConnectors"
  >,
  DeleteOrganizationJitSsoConnector: null as unknown as Check<
    "deleteOrganizationJitSsoConnector",
    "DeleteOrganizationJitSsoConnector"
  >
}
