/**
 * The fake's in-memory state and the semantics of the 36 operations: Logto's statuses and error
 * codes, their precedence, replace and idempotency rules, role and application type rules,
 * scope computation and cascades.
 *
 * `Store` holds the tables, ids and seeding (usable without Effect, for setup and assertions);
 * the operations are functions over it, one module per core group (`internal/store/`), and the
 * `FakeStore` service exposes each of them as a traced Effect (`Effect.fn("FakeStore.<name>")`)
 * for the HttpApi handlers. Every write validates everything first and then mutates, so a failed
 * write changes nothing.
 *
 * @since 0.1.0
 */
import type { Role } from "@orgkit/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { type Rng, randomString, secure, seeded } from "./internal/random.ts"
import * as Rows from "./internal/rows.ts"
import * as Seeding from "./internal/seeding.ts"
import { State } from "./internal/state.ts"
import type * as Common from "./internal/store/common.ts"
import * as Ops from "./internal/store/operations.ts"
import type * as Seed from "./Seed.ts"

/**
 * @category models
 * @since 0.1.0
 */
export interface StoreOptions {
  /** The tenant id shown on organizations, roles, scopes, applications (default `default`). */
  readonly tenantId?: string | undefined
  /** The clock for timestamps, in epoch milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** Makes generated ids deterministic. */
  readonly idSeed?: number | undefined
  /** Logto Cloud's plan quotas (403 `subscription.limit_exceeded`); off unless set. */
  readonly quotas?: Quotas | undefined
}

/**
 * @category models
 * @since 0.1.0
 */
export type Quotas = Common.Quotas

/**
 * Pagination as the handlers pass it: off (everything) or an offset and a page size.
 *
 * @category models
 * @since 0.1.0
 */
export type Paging = Common.Paging

/**
 * A page of a list and, when pagination was on, the total number of matches.
 *
 * @category models
 * @since 0.1.0
 */
export type Page<A> = Common.Page<A>

/**
 * Counts of everything the store holds.
 *
 * @category models
 * @since 0.1.0
 */
export interface Counts {
  readonly organizations: number
  readonly users: number
  readonly applications: number
  readonly organizationRoles: number
  readonly organizationScopes: number
  readonly ssoConnectors: number
  readonly userMemberships: number
  readonly applicationMemberships: number
}

/**
 * The fake's tables, ids and seeding, without Effect: what tests use for setup and assertions.
 * The operations run against it (it is their context).
 *
 * @category constructors
 * @since 0.1.0
 */
export class Store implements Common.Ctx {
  readonly tenantId: string
  readonly now: () => number
  readonly quotas: Quotas
  private readonly rng: Rng
  private tables: State

  constructor(options: StoreOptions = {}) {
    this.tenantId = options.tenantId ?? "default"
    this.now = options.now ?? Date.now
    this.rng = options.idSeed === undefined ? secure : seeded(options.idSeed)
    this.quotas = options.quotas ?? {}
    this.tables = new State(this.tenantId)
  }

  /** The tables (replaced by `reset`). */
  get state(): State {
    return this.tables
  }

  /** Empties the store. */
  reset(): void {
    this.tables = new State(this.tenantId)
  }

  /** A fresh id of Logto's length and alphabet, unused in `table`. */
  readonly newId = (length: number, table: ReadonlyMap<string, unknown>): string => {
    for (;;) {
      const id = randomString(this.rng, length)
      if (!table.has(id)) return id
    }
  }

  /** Counts of everything held. */
  counts(): Counts {
    let userMemberships = 0
    let applicationMemberships = 0
    for (const org of this.tables.orgs.values()) {
      userMemberships += org.users.size
      applicationMemberships += org.apps.size
    }
    const s = this.tables
    return {
      organizations: s.orgs.size,
      users: s.users.size,
      applications: s.apps.size,
      organizationRoles: s.roles.size,
      organizationScopes: s.scopes.size,
      ssoConnectors: s.connectors.size,
      userMemberships,
      applicationMemberships
    }
  }

  /** Merges a decoded seed into the state; nothing changes when it has problems. */
  seed(seed: Seed.Seed): Result.Result<Counts, ReadonlyArray<string>> {
    const problems = Seeding.apply(this.tables, seed, { now: this.now(), newId: this.newId })
    return problems.length > 0 ? Result.fail(problems) : Result.succeed(this.counts())
  }

  /** The whole state as a seed document (ids included), e.g. to save and reload it. */
  snapshot(): Seed.Seed {
    return Seeding.snapshot(this.tables)
  }

  /** Deletes a user with Logto's cascade: memberships and member roles go too. */
  deleteUser(id: string): boolean {
    return this.tables.deleteUser(id)
  }

  /** Deletes an application with its memberships and roles. */
  deleteApplication(id: string): boolean {
    return this.tables.deleteApplication(id)
  }

  /** Deletes an organization role with its user, application and JIT assignments. */
  deleteOrganizationRole(id: string): boolean {
    return this.tables.deleteRole(id)
  }

  /** Deletes an organization scope and unlinks it from roles. */
  deleteOrganizationScope(id: string): boolean {
    return this.tables.deleteScope(id)
  }

  /** Deletes an SSO connector with its JIT entries. */
  deleteSsoConnector(id: string): boolean {
    return this.tables.deleteConnector(id)
  }

  /** A stored user, as ListOrganizationUsers shows it without roles. */
  getUser(id: string): Rows.UserRow | undefined {
    return this.tables.users.get(id)
  }

  /** A stored application. */
  getApplication(id: string): Rows.AppRow | undefined {
    return this.tables.apps.get(id)
  }

  /** A stored organization role. */
  getOrganizationRole(id: string): Role.OrganizationRole | undefined {
    const row = this.tables.roles.get(id)
    return row === undefined ? undefined : Rows.roleView(row)
  }

  /** The id of the organization role with this exact name. */
  organizationRoleIdByName(name: string): string | undefined {
    return this.tables.roleByName.get(name)
  }
}

/**
 * The operations as traced Effects, one per endpoint (named as core's endpoints), plus the
 * membership checks of the per-member role routes.
 *
 * @category models
 * @since 0.1.0
 */
export type Operations = Ops.Operations

/**
 * The service: the operations, seeding, and the store itself for direct setup.
 *
 * @category models
 * @since 0.1.0
 */
export interface Service extends Operations {
  readonly store: Store
  /** Merges a decoded seed; fails with every problem, changing nothing. */
  readonly seed: (seed: Seed.Seed) => Effect.Effect<Counts, ReadonlyArray<string>>
}

/**
 * The service over a store: every operation is an `Effect.fn` named `FakeStore.<operation>`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const service = (store: Store): Service => {
  const seed = Effect.fn("FakeStore.seed")(function* (input: Seed.Seed) {
    return yield* Effect.fromResult(store.seed(input))
  })
  return { ...Ops.traced(store), store, seed }
}

/**
 * The store as a service, for the HttpApi handlers.
 *
 * @category services
 * @since 0.1.0
 */
export class FakeStore extends Context.Service<FakeStore, Service>()("@orgkit/testing/FakeStore") {
  /**
   * An empty store whose timestamps come from Effect's `Clock` (so `TestClock` controls them).
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<FakeStore> = Layer.effect(
    FakeStore,
    Effect.clockWith((clock) => Effect.sync(() => service(new Store({ now: () => clock.currentTimeMillisUnsafe() }))))
  )

  /**
   * The service backed by an existing store.
   *
   * @category layers
   * @since 0.1.0
   */
  static readonly layerStore = (store: Store): Layer.Layer<FakeStore> => Layer.succeed(FakeStore, service(store))
}

/**
 * A new store, without Effect.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options?: StoreOptions): Store => new Store(options)
