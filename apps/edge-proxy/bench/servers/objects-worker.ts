/**
 * The name of the Worker that hosts the cache's Durable Objects in a workerd of its own (rows 12b of
 * `pnpm bench`): `bench/servers/workerd.ts` runs it, the proxy binds its classes by this script name,
 * and its inspector target is `core:user:<name>`.
 */
export const objectsWorker = "orgkit-objects"
