/**
 * A cluster as an operator runs one: the fake Logto, a real Redis and a real PostgreSQL, and several
 * proxy processes (`src/node.ts`, spawned as `npm run start:node` would) configured with
 * `ORGKIT_CACHE_REDIS_URL` and `ORGKIT_AUDIT_DATABASE_URL`. Between the proxies and the fake sits a
 * relay that can hold each GET answer back after Logto produced it (network transit), so fills begun
 * before a write are still in flight after it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Demo, FakeLogto, Fixtures } from "@orgkit/testing"
import { cacheEnv, cacheKeys, client, directToken, extraSeed } from "../fixtures/e2e.ts"
import { type Service, startPostgres, startRedis } from "../fixtures/services.ts"

const app = join(import.meta.dirname, "../..")

/** The `Host` every call carries, so that every replica renders the same `Link` URLs. */
export const host = "proxy.example"

/** A proxy process. */
export interface Replica {
  readonly index: number
  /** Its current port (a restarted replica keeps it). */
  readonly port: () => number
  /** Kills it with SIGKILL (no drain, no flush). */
  readonly kill: () => Promise<void>
  /** Starts it again (after `kill`) on the same port. */
  readonly start: () => Promise<void>
  readonly output: () => string
}

/** What `startCluster` returns. */
export interface Cluster {
  readonly fakeUrl: string
  readonly fake: FakeLogto.Server
  readonly redis: Service
  readonly postgres: Service
  readonly replicas: ReadonlyArray<Replica>
  /** A request to replica `i`, with the fixed `Host`, as a WHATWG Response. */
  readonly call: (i: number) => (path: string, init?: RequestInit) => Promise<Response>
  /** Holds each GET answer back by up to `ms` (random), or stops (`undefined`). */
  readonly delayAnswers: (ms: number | undefined) => void
  /** Starts one more replica on the same Redis and PostgreSQL, with `env` on top (stopped by `close`). */
  readonly addReplica: (env: Record<string, string>) => Promise<Replica>
  readonly close: () => Promise<void>
}

/** The relay in front of the fake: forwards everything, delaying GET answers when asked. */
const relay = async (target: string) => {
  let delay: number | undefined
  const origin = new URL(target)
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: origin.hostname, port: origin.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Array<Buffer> = []
        answer.on("data", (chunk: Buffer) => chunks.push(chunk))
        answer.on("end", () => {
          const send = () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            res.end(Buffer.concat(chunks))
          }
          if (delay !== undefined && req.method === "GET") setTimeout(send, Math.random() * delay)
          else send()
        })
      }
    )
    upstream.on("error", () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setDelay: (ms: number | undefined) => {
      delay = ms
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const spawnReplica = (index: number, env: Record<string, string>): Replica => {
  let child: ChildProcess | undefined
  let port = 0
  let output = ""
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", join(app, "src/node.ts")], {
        env: { PATH: process.env["PATH"] ?? "", ...env, HOST: "127.0.0.1", PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child = proc
      let stdout = ""
      const onData = (chunk: Buffer) => {
        stdout += chunk.toString()
        output += chunk.toString()
        const found = stdout.match(/"msg":"listening","url":"http:\/\/127\.0\.0\.1:(\d+)"/)
        if (found !== null) {
          port = Number(found[1])
          resolve()
        }
      }
      proc.stdout!.on("data", onData)
      proc.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()))
      proc.once("exit", (code, signal) => reject(new Error(`replica ${index} exited (${code ?? signal}):\n${output}`)))
    })
  return {
    index,
    port: () => port,
    output: () => output,
    start,
    kill: () =>
      new Promise<void>((resolve) => {
        const proc = child
        if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return resolve()
        proc.once("exit", () => resolve())
        proc.kill("SIGKILL")
      })
  }
}

/** A request to `port` with the fixed `Host`, read whole (as in `test/node/cache.test.ts`). */
export const request = (port: () => number, path: string, init: RequestInit = {}) =>
  new Promise<Response>((resolve, reject) => {
    const headers = { ...Object.fromEntries(new Headers(init.headers)), host }
    const outgoing = http.request(
      { host: "127.0.0.1", port: port(), path, method: init.method ?? "GET", headers, agent: false },
      (incoming) => {
        const chunks: Array<Buffer> = []
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk))
        incoming.on("end", () => {
          const status = incoming.statusCode ?? 0
          const responseHeaders = new Headers()
          for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
            responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!)
          }
          const empty = status === 204 || status === 304 || init.method === "HEAD"
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: responseHeaders }))
        })
        incoming.on("error", reject)
      }
    )
    outgoing.on("error", reject)
    outgoing.end(typeof init.body === "string" ? init.body : undefined)
  })

/** Starts the fake, Redis, PostgreSQL and `replicas` proxy processes on them. */
export const startCluster = async (
  options: { readonly replicas?: number; readonly env?: Record<string, string> } = {}
): Promise<Cluster> => {
  const [redis, postgres, fake] = await Promise.all([
    startRedis(),
    startPostgres(),
    FakeLogto.serve({ seed: Demo.seed, tokens: [directToken], clients: [client] })
  ])
  fake.fake.seed(extraSeed)
  const front = await relay(fake.url)
  const env = {
    ...cacheEnv(front.url),
    ORGKIT_API_KEYS: JSON.stringify(Object.values(cacheKeys)),
    ORGKIT_CACHE_REDIS_URL: redis.url,
    ORGKIT_AUDIT_DATABASE_URL: postgres.url,
    ORGKIT_LOG_LEVEL: "warn",
    ...options.env
  }
  const replicas = Array.from({ length: options.replicas ?? 3 }, (_, i) => spawnReplica(i, env))
  const extras: Array<Replica> = []
  try {
    // One at a time: the first applies the migrations; the others find them applied.
    await replicas[0]!.start()
    await Promise.all(replicas.slice(1).map((r) => r.start()))
  } catch (error) {
    await Promise.all(replicas.map((r) => r.kill()))
    await Promise.all([redis.close(), postgres.close(), fake.close(), front.close()])
    throw error
  }
  return {
    fakeUrl: fake.url,
    fake,
    redis,
    postgres,
    replicas,
    call: (i) => (path, init) => request(replicas[i]!.port, path, init),
    delayAnswers: front.setDelay,
    addReplica: async (extra) => {
      const replica = spawnReplica(replicas.length + extras.length, { ...env, ...extra })
      extras.push(replica)
      await replica.start()
      return replica
    },
    close: async () => {
      await Promise.all([...replicas, ...extras].map((r) => r.kill()))
      await Promise.all([redis.close(), postgres.close(), fake.close(), front.close()])
    }
  }
}

/** `init` with the admin key (scopes read, write, audit:read). */
export const admin = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: `Bearer ${cacheKeys.admin.key}` }
})

/** A PATCH of an organization's description, with a request id of the caller's. */
export const patch = (description: string, requestId?: string) =>
  admin({
    method: "PATCH",
    headers: { "content-type": "application/json", ...(requestId === undefined ? {} : { "x-request-id": requestId }) },
    body: JSON.stringify({ description })
  })

export const o = (org: string) => `/api/organizations/${org}`

let unique = 0

/** Organizations of a test's own, seeded in the fake, and a list that shows just them. */
export const seedOrganizations = (cluster: Cluster, count: number, description = "v0") => {
  const suffix = `scale${process.pid}x${++unique}`
  const orgs = Array.from({ length: count }, (_, i) => `${suffix}o${i}`)
  cluster.fake.fake.seed({
    organizations: orgs.map((id) => ({ id, name: `Scale ${suffix} ${id}`, description, createdAt: 1_767_225_600_000 }))
  })
  return { orgs, list: `/api/organizations?q=${suffix}&showFeatured=true` }
}

/** A read as the checker saw it. */
export interface Read {
  readonly org: string
  readonly startedAt: number
  readonly version: number
  readonly replica: number
  readonly cache: string | null
}

/** A write as the checker sent it: `acked` once it was answered 200 (503: refused, not forwarded). */
export interface Write {
  readonly org: string
  readonly version: number
  readonly requestId: string
  readonly status: number
  readonly at: number
}

/**
 * The interleaved checker across every replica: writers PATCH each organization's description to
 * `v1`, `v2`, … through the replicas in turn while readers read the organizations and the list
 * through random replicas. A read that returns a version older than the newest write acknowledged
 * before the read began is a stale read. Writes answered 503 (the audit trail unavailable: refused,
 * never forwarded) are allowed when `refusals` is set, and are not acknowledged.
 */
export const interleaved = (
  cluster: Cluster,
  options: {
    readonly orgs: ReadonlyArray<string>
    readonly list: string
    readonly versions: number
    readonly reads: number
    readonly readers: number
    readonly refusals?: boolean
    readonly pauseMs?: number
  }
) => {
  const random = Fixtures.seededRandom(11)
  let tick = 0
  const writes: Array<Write> = []
  const observed: Array<Read> = []
  const failures: Array<string> = []
  const replicas = cluster.replicas.length
  const pause = () =>
    options.pauseMs === undefined ? undefined : new Promise((resolve) => setTimeout(resolve, options.pauseMs))
  const writer = async (org: string, index: number) => {
    for (let version = 1; version <= options.versions; version++) {
      const replica = (version + index) % replicas
      const requestId = `${org}-v${version}`
      const response = await cluster
        .call(replica)(o(org), patch(`v${version}`, requestId))
        .catch(() => undefined)
      const status = response?.status ?? 0
      await response?.arrayBuffer()
      if (status !== 200 && !(options.refusals === true && status === 503)) {
        failures.push(`write ${requestId} via ${replica}: ${status}`)
      }
      writes.push({ org, version, requestId, status, at: ++tick })
      await pause()
    }
  }
  const reader = async () => {
    for (let i = 0; i < options.reads; i++) {
      const org = options.orgs[Math.floor(random() * options.orgs.length)]!
      const replica = Math.floor(random() * replicas)
      const viaList = random() < 0.25
      const startedAt = ++tick
      const response = await cluster
        .call(replica)(viaList ? options.list : o(org), admin())
        .catch(() => undefined)
      if (response?.status !== 200) {
        failures.push(`read via ${replica}: ${response?.status ?? "no answer"}`)
        continue
      }
      const cache = response.headers.get("x-cache")
      if (viaList) {
        for (const item of (await response.json()) as Array<{ id: string; description: string }>) {
          observed.push({ org: item.id, startedAt, version: Number(item.description.slice(1)), replica, cache })
        }
      } else {
        const { description } = (await response.json()) as { description: string }
        observed.push({ org, startedAt, version: Number(description.slice(1)), replica, cache })
      }
      await pause()
    }
  }
  const stale = () =>
    observed.filter((read) => {
      const before = writes.filter((w) => w.org === read.org && w.status === 200 && w.at < read.startedAt)
      const newest = before.length === 0 ? 0 : Math.max(...before.map((w) => w.version))
      return read.version < newest
    })
  /** One line for the run's record (docs/RELIABILITY.md). */
  const summary = (name: string) => {
    const acked = writes.filter((w) => w.status === 200).length
    const refused = writes.filter((w) => w.status === 503).length
    const hits = observed.filter((r) => r.cache === "HIT").length
    console.info(
      `scale ${name}: ${writes.length} writes (${acked} acknowledged, ${refused} refused 503), ${observed.length} reads checked (${hits} HIT), ${stale().length} stale, ${failures.length} other failures`
    )
  }
  return {
    writes,
    observed,
    failures,
    stale,
    summary,
    run: () =>
      Promise.all([...options.orgs.map(writer), ...Array.from({ length: options.readers }, reader)]).then(
        () => undefined
      )
  }
}
