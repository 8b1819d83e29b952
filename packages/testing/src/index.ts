/**
 * @since 0.1.0
 */
export * as FakeLogto from "./FakeLogto.ts"
/**
 * @since 0.1.0
 */
export * as FakeStore from "./FakeStore.ts"
/**
 * @since 0.1.0
 */
export * as Faults from "./Faults.ts"
/**
 * @since 0.1.0
 */
export * as Seed from "./Seed.ts"
/**
 * @since 0.1.0
 */
export * as Demo from "./Demo.ts"
/**
 * @since 0.1.0
 */
export * as Fixtures from "./Fixtures.ts"
