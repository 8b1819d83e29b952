/**
 * Type-level checks of the Promise API: signatures derived from core's HttpApi, never written by hand.
 */
import type { Jit, Member, Organization, Payload, Role } from "@orgkit/core"
import type { PromiseClient } from "@orgkit/client"

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const check = <T extends true>(): T | undefined => undefined

type Options = PromiseClient.CallOptions
type Query = { readonly page?: number | undefined; readonly pageSize?: number | undefined }

check<Equal<PromiseClient.ArgsOf<"getOrganization">, [string, options?: Options]>>()
check<Equal<PromiseClient.ArgsOf<"deleteOrganizationUserRole">, [string, string, string, options?: Options]>>()
check<Equal<PromiseClient.ArgsOf<"addOrganizationUsers">, [string, typeof Payload.AddUsers.Type, options?: Options]>>()
check<
  Equal<
    PromiseClient.ArgsOf<"listOrganizations">,
    [
      query?: {
        readonly page?: number | undefined
        readonly pageSize?: number | undefined
        readonly q?: string | undefined
        readonly showFeatured?: string | undefined
      },
      options?: Options
    ]
  >
>()
check<
  Equal<
    PromiseClient.ArgsOf<"listOrganizationUsers">,
    [
      string,
      query?: {
        readonly page?: number | undefined
        readonly pageSize?: number | undefined
        readonly q?: string | undefined
        readonly organizationRoleId?: string | undefined
      },
      options?: Options
    ]
  >
>()
check<Equal<PromiseClient.ArgsOf<"listOrganizationUserRoles">, [string, string, query?: Query, options?: Options]>>()
check<Equal<PromiseClient.ArgsOf<"listOrganizationUserScopes">, [string, string, options?: Options]>>()

check<Equal<PromiseClient.ResultOf<"getOrganization">, Organization.Organization>>()
check<Equal<PromiseClient.ResultOf<"createOrganization">, Organization.Organization>>()
check<Equal<PromiseClient.ResultOf<"deleteOrganization">, undefined>>()
check<Equal<PromiseClient.ResultOf<"assignOrganizationRolesToUsers">, undefined>>()
check<Equal<PromiseClient.ResultOf<"createOrganizationJitRole">, undefined>>()
check<Equal<PromiseClient.ResultOf<"addOrganizationUsers">, typeof Payload.AddUsers.Type>>()
check<Equal<PromiseClient.ResultOf<"createOrganizationJitEmailDomain">, Jit.JitEmailDomain>>()
check<Equal<PromiseClient.ResultOf<"listOrganizationUserScopes">, ReadonlyArray<Role.OrganizationScope>>>()

// Always-paginated lists have a totalCount; optionally paginated ones may not.
declare const users: PromiseClient.ResultOf<"listOrganizationUsers">
check<Equal<typeof users.items, ReadonlyArray<Member.OrganizationUser>>>()
check<Equal<typeof users.totalCount, number>>()
declare const roles: PromiseClient.ResultOf<"listOrganizationUserRoles">
check<Equal<typeof roles.totalCount, number | undefined>>()

check<
  Equal<
    PromiseClient.PaginatedName,
    | "listOrganizations"
    | "listOrganizationUsers"
    | "listOrganizationUserRoles"
    | "listOrganizationApplications"
    | "listOrganizationApplicationRoles"
    | "listOrganizationJitEmailDomains"
    | "listOrganizationJitRoles"
    | "listOrganizationJitSsoConnectors"
  >
>()

declare const client: PromiseClient.OrgkitClient
export const usage = async () => {
  await client.addOrganizationUsers("org", { userIds: ["u1"] })
  await client.listOrganizations({ q: "acme", page: 2, pageSize: 50 }, { timeoutMs: 1000 })
  for await (const member of client.paginate("listOrganizationUsers", "org", { q: "ada" })) {
    check<Equal<typeof member, Member.OrganizationUser>>()
  }
  // @ts-expect-error the body is required
  await client.addOrganizationUsers("org")
  // @ts-expect-error wire names are camelCase in the Promise API
  await client.listOrganizations({ page_size: 10 })
  // @ts-expect-error getOrganization is not a paginated list
  client.paginate("getOrganization", "org")
}
