/**
 * The operations of the four groups by the `FakeStore` service's method names (core's endpoint
 * names), and their lifting into traced Effects.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Applications from "./applications.ts"
import type { Ctx } from "./common.ts"
import * as Jit from "./jit.ts"
import * as Organizations from "./organizations.ts"
import * as Users from "./users.ts"

/** The 36 operations and the two membership checks, by the service's method names. */
export const operations = {
  listOrganizations: Organizations.list,
  createOrganization: Organizations.create,
  getOrganization: Organizations.get,
  updateOrganization: Organizations.update,
  deleteOrganization: Organizations.remove,
  listOrganizationUsers: Users.list,
  addOrganizationUsers: Users.add,
  replaceOrganizationUsers: Users.replace,
  deleteOrganizationUser: Users.remove,
  assignOrganizationRolesToUsers: Users.assignToMany,
  checkUserMembership: Users.checkMembership,
  listOrganizationUserRoles: Users.listRoles,
  replaceOrganizationUserRoles: Users.replaceRoles,
  assignOrganizationRolesToUser: Users.assignRoles,
  deleteOrganizationUserRole: Users.removeRole,
  listOrganizationUserScopes: Users.listScopes,
  listOrganizationApplications: Applications.list,
  addOrganizationApplications: Applications.add,
  replaceOrganizationApplications: Applications.replace,
  deleteOrganizationApplication: Applications.remove,
  assignOrganizationRolesToApplications: Applications.assignToMany,
  checkApplicationMembership: Applications.checkMembership,
  listOrganizationApplicationRoles: Applications.listRoles,
  replaceOrganizationApplicationRoles: Applications.replaceRoles,
  assignOrganizationRolesToApplication: Applications.assignRoles,
  deleteOrganizationApplicationRole: Applications.removeRole,
  listOrganizationJitEmailDomains: Jit.listEmailDomains,
  createOrganizationJitEmailDomain: Jit.createEmailDomain,
  replaceOrganizationJitEmailDomains: Jit.replaceEmailDomains,
  deleteOrganizationJitEmailDomain: Jit.removeEmailDomain,
  listOrganizationJitRoles: Jit.listRoles,
  createOrganizationJitRole: Jit.createRoles,
  replaceOrganizationJitRoles: Jit.replaceRoles,
  deleteOrganizationJitRole: Jit.removeRole,
  listOrganizationJitSsoConnectors: Jit.listSsoConnectors,
  createOrganizationJitSsoConnector: Jit.createSsoConnectors,
  replaceOrganizationJitSsoConnectors: Jit.replaceSsoConnectors,
  deleteOrganizationJitSsoConnector: Jit.removeSsoConnector
}

/** An operation over the store as an Effect: a `Result`'s failure becomes the Effect's. */
type Traced<F> = F extends (ctx: Ctx, ...args: infer Args) => infer Out
  ? (...args: Args) => Out extends Result.Result<infer A, infer E> ? Effect.Effect<A, E> : Effect.Effect<Out>
  : never

/** The operations as Effects, without their context. */
export type Operations = { readonly [K in keyof typeof operations]: Traced<(typeof operations)[K]> }

/** Every operation as an `Effect.fn` named `FakeStore.<name>`, over `ctx`. */
export const traced = (ctx: Ctx): Operations => {
  const out: Record<string, unknown> = {}
  for (const [name, operation] of Object.entries(operations)) {
    const run = operation as (ctx: Ctx, ...args: Array<unknown>) => unknown
    out[name] = Effect.fn(`FakeStore.${name}`)(function* (...args: Array<unknown>) {
      const result = run(ctx, ...args)
      return Result.isResult(result) ? yield* Effect.fromResult(result) : result
    })
  }
  return out as Operations
}
