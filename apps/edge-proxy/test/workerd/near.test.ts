/**
 * The near tier (`ORGKIT_CACHE_MODE=near`) inside workerd: Worker instances built from the same
 * bindings (`buildWorker`, as each isolate builds its own) sharing the Durable Objects, each data
 * centre with its own Cache API cache (`caches.open`), one manual clock. Requests go through the
 * Worker's `fetch` (`handle`: the hit path, then the pipeline).
 */
import { createOrgkitClient } from "@orgkit/client"
import { env } from "cloudflare:workers"
import { beforeEach, describe, expect, inject, it } from "vitest"
import { webPlatform } from "../../src/adapters/web-platform.ts"
import { buildWorker, handle } from "../../src/worker.ts"
import { consistencyHeader } from "../../src/cache/workers/near.ts"
import { durableBackend } from "../../src/cache/workers/index.ts"
import { cacheEnv, cacheKeys, metricsToken, signedWebhook } from "../fixtures/e2e.ts"

const origin = "https://proxy.example"
let now = Date.now()
const platform = { ...webPlatform, now: () => now }
const bound = 5_000
const bindings = { ...env, ...cacheEnv(inject("fakeUrl")) } as Env
let run = 0

/** One isolate in data centre `dc` (its Cache API cache), with its log lines. */
const isolate = async (dc: string, overrides: Record<string, string> = {}) => {
  const lines: Array<Record<string, unknown>> = []
  // `default`: the Worker's own choice, `caches.default`.
  const edge = dc === "default" ? undefined : await caches.open(`near-${run}-${dc}`)
  const built = buildWorker({ ...bindings, ORGKIT_CACHE_MODE: "near", ...overrides } as Env, {
    platform,
    ...(edge === undefined ? {} : { edge }),
    log: (line) => lines.push(line)
  })
  if ("problems" in built) throw new Error(built.problems.join("\n"))
  const call = (path: string, init: RequestInit & { key?: string } = {}) => {
    const { key = cacheKeys.admin.key, ...rest } = init
    const headers = new Headers(rest.headers)
    headers.set("authorization", `Bearer ${key}`)
    return handle(built, new Request(origin + path, { ...rest, headers, redirect: "manual" }), bindings)
  }
  return { call, lines, built }
}

/** An isolate's `/metrics` text. */
const metricsOf = async (t: Awaited<ReturnType<typeof isolate>>) =>
  (
    await handle(
      t.built,
      new Request(`${origin}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } }),
      bindings
    )
  ).text()

const json = { "content-type": "application/json" }
const xCache = (response: Response) => response.headers.get("x-cache")
const described = async (response: Response) => ((await response.json()) as { description?: string }).description

const createOrg = async (call: Awaited<ReturnType<typeof isolate>>["call"]) => {
  const created = await call("/api/organizations", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ name: `near-${run}-${Math.random().toString(36).slice(2)}`, description: "v1" })
  })
  expect(created.status).toBe(201)
  return `/api/organizations/${((await created.json()) as { id: string }).id}`
}

const update = (call: Awaited<ReturnType<typeof isolate>>["call"], path: string, description: string) =>
  call(path, { method: "PATCH", headers: json, body: JSON.stringify({ description }) })

/** Delivers a Logto webhook, signed, to `receiver`. */
const webhook = async (
  receiver: Awaited<ReturnType<typeof isolate>>,
  event: string,
  data: Record<string, unknown>
): Promise<Response> => {
  const { body, signature } = await signedWebhook({ hookId: "hook", event, data })
  return handle(
    receiver.built,
    new Request(`${origin}/webhooks/logto`, {
      method: "POST",
      headers: { ...json, "logto-signature-sha-256": signature },
      body
    }),
    bindings
  )
}

/** Changes an organization in Logto (the fake), outside the proxy, and tells `receiver` by webhook. */
const changedInLogto = async (receiver: Awaited<ReturnType<typeof isolate>>, path: string, description: string) => {
  const changed = await fetch(`${inject("fakeUrl")}${path}`, {
    method: "PATCH",
    headers: { ...json, authorization: "Bearer e2e-direct-token" },
    body: JSON.stringify({ description })
  })
  expect(changed.status).toBe(200)
  return webhook(receiver, "Organization.Data.Updated", { id: path.split("/").at(-1), description })
}

beforeEach(() => {
  run++
  now = Date.now()
})

describe("ORGKIT_CACHE_MODE", () => {
  it("is strict by default: another isolate reads a write at once, and writes carry no token", async () => {
    const strict = (dc: string) => isolate(dc, { ORGKIT_CACHE_MODE: "" })
    const [a, b] = [await strict("a"), await strict("b")]
    const path = await createOrg(a.call)
    await b.call(path)
    expect(xCache(await b.call(path))).toBe("HIT")
    const written = await update(a.call, path, "v2")
    expect([written.status, written.headers.get(consistencyHeader)]).toEqual([200, null])
    const read = await b.call(path)
    expect([xCache(read), await described(read)]).toEqual(["MISS", "v2"])
  })

  it("refuses an unknown mode or bound at start", () => {
    const built = buildWorker({
      ...bindings,
      ORGKIT_CACHE_MODE: "eventual",
      ORGKIT_CACHE_NEAR_MAX_STALE_MS: "5s"
    } as Env)
    expect("problems" in built && built.problems).toEqual([
      'ORGKIT_CACHE_MODE: Invalid input: expected "strict" or "near"',
      "ORGKIT_CACHE_NEAR_MAX_STALE_MS: Invalid input: expected an integer from 0 to 300000"
    ])
  })
})

describe("the near tier", () => {
  it("answers a repeated read from the isolate without the pipeline, with the pipeline's headers and log line", async () => {
    const strict = await isolate("s", { ORGKIT_CACHE_MODE: "strict" })
    const near = await isolate("n")
    const path = await createOrg(near.call)
    await strict.call(path)
    const viaPipeline = await strict.call(path, { headers: { "x-request-id": "pipe-1" } })
    await near.call(path)
    const before = near.lines.length
    const viaHitPath = await near.call(path, { headers: { "x-request-id": "hit-1" } })
    expect(xCache(viaHitPath)).toBe("HIT")
    expect(near.built.near?.near.memoryHits).toBe(1)
    const headers = (r: Response) => [...r.headers].filter(([name]) => name !== "x-request-id")
    expect(headers(viaHitPath)).toEqual(headers(viaPipeline))
    expect(viaHitPath.headers.get("x-request-id")).toBe("hit-1")
    expect(await viaHitPath.text()).toBe(await viaPipeline.text())
    const line = (lines: Array<Record<string, unknown>>, id: string) => {
      const { time: _time, durationMs: _ms, requestId, ...rest } = lines.find((l) => l["requestId"] === id)!
      return { requestId, ...rest }
    }
    expect(near.lines.length).toBe(before + 1)
    expect({ ...line(near.lines, "hit-1"), requestId: "pipe-1" }).toEqual(line(strict.lines, "pipe-1"))
    // A conditional read gets Logto's 304 from the copy too.
    const etag = viaHitPath.headers.get("etag")!
    const notModified = await near.call(path, { headers: { "if-none-match": etag } })
    expect([notModified.status, notModified.headers.get("content-type"), xCache(notModified)]).toEqual([
      304,
      null,
      "HIT"
    ])
  })

  it("shows another isolate's write within the bound, not before the copy is older than it", async () => {
    const [writer, other] = [await isolate("a"), await isolate("b")]
    const path = await createOrg(writer.call)
    expect(xCache(await other.call(path))).toBe("MISS")
    const written = await update(writer.call, path, "v2")
    expect(written.status).toBe(200)
    now += bound
    const within = await other.call(path)
    expect([xCache(within), await described(within)]).toEqual(["HIT", "v1"])
    now += 1
    const after = await other.call(path)
    expect([xCache(after), await described(after)]).toEqual(["MISS", "v2"])
  })

  it("serves a copy from the data centre's Cache API to a new isolate there, within the bound only", async () => {
    const first = await isolate("dc")
    const path = await createOrg(first.call)
    await first.call(path)
    now += bound - 1
    const second = await isolate("dc")
    const fromEdge = await second.call(path)
    expect([xCache(fromEdge), await described(fromEdge)]).toEqual(["HIT", "v1"])
    now += 2
    expect(second.built.near?.near).toEqual({ memoryHits: 0, edgeHits: 1, tokenReads: 0 })
    const third = await isolate("dc")
    await third.call(path)
    // Answered by the Durable Object (still fresh there), not by the copy.
    expect(third.built.near?.near).toEqual({ memoryHits: 0, edgeHits: 0, tokenReads: 0 })
  })

  it("uses caches.default as the data centre's cache unless told otherwise", async () => {
    const first = await isolate("default")
    const path = await createOrg(first.call)
    await first.call(path)
    const second = await isolate("default")
    const read = await second.call(path)
    expect([xCache(read), await described(read)]).toEqual(["HIT", "v1"])
    expect(second.built.near?.near.edgeHits).toBe(1)
    expect(await caches.default.match(`https://orgkit-near.invalid/${encodeURIComponent(path)}`)).toBeDefined()
  })

  it("lets the writer read its own write at once with the token, and only within the bound without it", async () => {
    const writer = await isolate("a")
    const neighbour = await isolate("a") // another isolate of the writer's data centre
    const path = await createOrg(writer.call)
    await neighbour.call(path) // copies in the neighbour's memory and in the data centre's cache
    const written = await update(writer.call, path, "v2")
    const token = written.headers.get(consistencyHeader)
    expect(token).toBe(String(now))
    // Without the token, the writer's next read may land on the neighbour and see the copy.
    const without = await neighbour.call(path)
    expect([xCache(without), await described(without)]).toEqual(["HIT", "v1"])
    const fresh = await isolate("a")
    expect(await described(await fresh.call(path))).toBe("v1")
    // With it, both ask the Durable Object and see the write.
    for (const t of [neighbour, await isolate("a")]) {
      const withToken = await t.call(path, { headers: { [consistencyHeader]: token! } })
      expect(await described(withToken)).toBe("v2")
    }
    // The token is honoured for the bound only; after it, no copy from before the write is left.
    now += bound + 1
    const tokenReads = neighbour.built.near!.near.tokenReads
    const later = await neighbour.call(path, { headers: { [consistencyHeader]: token! } })
    expect(await described(later)).toBe("v2")
    expect(neighbour.built.near!.near.tokenReads).toBe(tokenReads)
    expect(await described(await neighbour.call(path, { headers: { [consistencyHeader]: token! } }))).toBe("v2")
  })

  it("@orgkit/client reads its own writes by itself, wherever its requests land", async () => {
    const writer = await isolate("a")
    const neighbour = await isolate("a")
    const path = await createOrg(writer.call)
    const id = path.split("/").at(-1)!
    await neighbour.call(path)
    // Writes land on one isolate, reads on the other (which holds a copy from before the write).
    const client = createOrgkitClient({
      baseUrl: origin,
      token: cacheKeys.admin.key,
      retry: false,
      fetch: (request) => handle(request.method === "GET" ? neighbour.built : writer.built, request, bindings)
    })
    await client.updateOrganization(id, { description: "v2" })
    expect((await client.getOrganization(id)).description).toBe("v2")
    // A caller without the token (another client) still sees the copy within the bound.
    expect(await described(await neighbour.call(path))).toBe("v1")
  })

  it("counts where hits were answered in /metrics", async () => {
    const [writer, t] = [await isolate("a"), await isolate("b")]
    const path = await createOrg(writer.call)
    await t.call(path)
    await t.call(path)
    await t.call(path, { headers: { [consistencyHeader]: String(now) } })
    const metrics = await metricsOf(t)
    expect(metrics).toContain('orgkit_cache_near_hits_total{tier="memory"} 1\n')
    expect(metrics).toContain('orgkit_cache_near_hits_total{tier="edge"} 0\n')
    expect(metrics).toContain("orgkit_cache_near_token_reads_total 1\n")
  })

  it("ignores a malformed token (the copy within the bound stands)", async () => {
    const [writer, other] = [await isolate("a"), await isolate("b")]
    const path = await createOrg(writer.call)
    await other.call(path)
    await update(writer.call, path, "v2")
    const read = await other.call(path, { headers: { [consistencyHeader]: "soon" } })
    expect(await described(read)).toBe("v1")
  })

  it("takes a webhook's invalidation in the receiving isolate at once and elsewhere within the bound", async () => {
    const [receiver, other] = [await isolate("a"), await isolate("b")]
    const path = await createOrg(receiver.call)
    await receiver.call(path)
    await other.call(path)
    const delivered = await changedInLogto(receiver, path, "console")
    expect(delivered.status).toBe(200)
    // The receiving isolate dropped its copies, here and in its data centre's cache.
    expect(await described(await receiver.call(path))).toBe("console")
    expect(await described(await (await isolate("a")).call(path))).toBe("console")
    expect(await described(await other.call(path))).toBe("v1")
    now += bound + 1
    expect(await described(await other.call(path))).toBe("console")
  })

  it.each(["near", "strict"])(
    "keeps a restricted key to its organizations and its own view of the list (%s)",
    async (mode) => {
      const t = await isolate("a", { ORGKIT_CACHE_MODE: mode })
      const globexOrg = `/api/organizations/${cacheKeys.globex.organizations[0]}`
      // The Durable Objects are shared with the other files (their fakes hold the same demo ids): the
      // targets here carry a page size of this test's own.
      expect((await t.call(globexOrg)).status).toBe(200)
      expect((await t.call(globexOrg)).status).toBe(200)
      // Twice: the second time the key is known to the hit path, which must not serve the entry either.
      for (let i = 0; i < 2; i++) expect((await t.call(globexOrg, { key: cacheKeys.acme.key })).status).toBe(403)
      const list = `/api/organizations?page_size=${80 + run}`
      const all = (await (await t.call(list)).json()) as Array<{ id: string }>
      // (Not asserted as a HIT: the other files' writes drop the shared list entry at any time.)
      expect((await t.call(list)).status).toBe(200)
      for (const key of [cacheKeys.acme, cacheKeys.globex]) {
        for (let i = 0; i < 2; i++) {
          const seen = (await (await t.call(list, { key: key.key })).json()) as Array<{ id: string }>
          expect(seen.map((o) => o.id).sort()).toEqual([...key.organizations].sort())
        }
      }
      expect(all.length).toBeGreaterThan(cacheKeys.acme.organizations.length)
    }
  )
})

describe("the strict tier's lookups", () => {
  it("send back only Unchanged when the isolate names the fresh entry it holds, and the entry when it differs", async () => {
    const t = await isolate("s", { ORGKIT_CACHE_MODE: "strict" })
    const path = await createOrg(t.call)
    await t.call(path)
    const tag = `org:${path.split("/").at(-1)}`
    const shard = env.ORGKIT_CACHE_SHARDS.getByName(tag)
    const limits = { maxBytes: 8_388_608, leaseMs: 4_000 }
    const found = await shard.lookup(tag, path, now, "read", limits)
    expect(found._tag).toBe("Fresh")
    const entry = (found as { entry: { storedAt: number; bytes: number; etag: string; expiresAt: number } }).entry
    const identity = `${entry.storedAt}:${entry.bytes}:${entry.etag}`
    expect(await shard.lookup(tag, path, now, "read", limits, identity)).toEqual({ _tag: "Unchanged" })
    expect((await shard.lookup(tag, path, now, "read", limits, `${identity}x`))._tag).toBe("Fresh")
    // The hit path's peek: the held entry's expiry (with a read lease), or the entry when it differs;
    // a Worker of the version before read leases (no lease sent) still gets `Unchanged`.
    expect(await shard.peek(path, now, identity, 0)).toBe(entry.expiresAt)
    expect(((await shard.peek(path, now, `${identity}x`, 0)) as { key: string }).key).toBe(path)
    expect(await shard.peek(path, now, identity)).toEqual({ _tag: "Unchanged" })
    // After a write, the held entry is not fresh any more: the isolate gets a lease, then the new entry.
    await update(t.call, path, "v2")
    expect((await shard.lookup(tag, path, now, "read", limits, identity))._tag).toBe("Lease")
  })
})

describe("the hit path in strict mode", () => {
  it("answers an entry this isolate holds once its Durable Object confirms it fresh, and never after a write elsewhere", async () => {
    const [t, writer] = [
      await isolate("s", { ORGKIT_CACHE_MODE: "strict" }),
      await isolate("w", { ORGKIT_CACHE_MODE: "strict" })
    ]
    const path = await createOrg(writer.call)
    const request = () =>
      new Request(origin + path, {
        headers: { authorization: `Bearer ${cacheKeys.admin.key}`, "x-request-id": "sh-1" }
      })
    // Neither the key nor the entry is known to this isolate yet: the pipeline answers.
    expect(await t.built.hit!(request())).toBeUndefined()
    const viaPipeline = await t.call(path, { headers: { "x-request-id": "pipe-1" } })
    expect(xCache(viaPipeline)).toBe("MISS")
    // The pipeline's own HIT (the app without the hit path in front).
    const pipelineHit = await t.built.app.fetch(request(), bindings)
    expect(xCache(pipelineHit)).toBe("HIT")
    const hit = await t.built.hit!(request())
    expect(hit).toBeDefined()
    const headers = (r: Response) => [...r.headers].filter(([name]) => name !== "x-request-id")
    expect([hit!.status, headers(hit!), await hit!.text()]).toEqual([
      200,
      headers(pipelineHit),
      JSON.stringify(await pipelineHit.json())
    ])
    await update(writer.call, path, "v2")
    expect(await t.built.hit!(request())).toBeUndefined()
    const after = await t.call(path)
    expect([xCache(after), await described(after)]).toEqual(["MISS", "v2"])
  })

  it("counts hits in /metrics as at level info when their lines are not logged (ORGKIT_LOG_LEVEL=warn)", async () => {
    const writer = await isolate("w", { ORGKIT_CACHE_MODE: "strict" })
    const path = await createOrg(writer.call)
    // Stored by another isolate: each isolate below reads it as a HIT (its first through the pipeline).
    await writer.call(path)
    const counted = async (level: string) => {
      const t = await isolate(`s-${level}`, { ORGKIT_CACHE_MODE: "strict", ORGKIT_LOG_LEVEL: level })
      const first = await t.call(path)
      const etag = first.headers.get("etag")!
      const answers = [xCache(first)]
      for (const headers of [{}, {}, { "if-none-match": etag, "cache-control": "max-age=0" }]) {
        const response = await t.call(path, { headers })
        answers.push(`${response.status} ${xCache(response)}`)
      }
      expect(answers).toEqual(["HIT", "200 HIT", "200 HIT", "304 HIT"])
      const series = (await metricsOf(t))
        .split("\n")
        .filter((l) => /^orgkit_(requests_total\{operation="GetOrganization"|cache_results_total)/.test(l))
      return { series, hitLines: t.lines.filter((l) => l["cache"] === "HIT").length }
    }
    const info = await counted("info")
    const warn = await counted("warn")
    expect(info.hitLines).toBe(4)
    expect(warn).toEqual({ series: info.series, hitLines: 0 })
    expect(warn.series).toContain('orgkit_requests_total{operation="GetOrganization",status="304"} 1')
  })

  /** The isolate's `orgkit_cache_hit_checks_total` series, by how each hit was known current. */
  const checksOf = async (t: Awaited<ReturnType<typeof isolate>>) => {
    const text = await metricsOf(t)
    const count = (by: string) =>
      Number(new RegExp(`orgkit_cache_hit_checks_total\\{by="${by}"\\} (\\d+)`).exec(text)![1])
    return { object: count("object"), lease: count("read_lease") }
  }

  it("answers repeated hits within the read lease without asking the object; a write elsewhere is acknowledged only once the lease is over, and no read after it gets the old entry", async () => {
    const lease = { ORGKIT_CACHE_MODE: "strict", ORGKIT_CACHE_READ_LEASE_MS: "400" }
    const [t, writer] = [await isolate("s", lease), await isolate("w", lease)]
    const path = await createOrg(writer.call)
    await t.call(path)
    // The first HIT comes through the pipeline (the isolate then holds the entry), the next asks the
    // object, the last two are answered within the lease that answer granted.
    const before = Date.now()
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(xCache(await t.call(path)))
    expect(answers).toEqual(["HIT", "HIT", "HIT", "HIT"])
    expect(await checksOf(t)).toEqual({ object: 1, lease: 2 })
    expect((await update(writer.call, path, "v2")).status).toBe(200)
    const answered = Date.now()
    const after = await t.call(path)
    expect([xCache(after), await described(after)]).toEqual(["MISS", "v2"])
    // The lease began no earlier than `before`; the write's answer came after it ended.
    expect(answered).toBeGreaterThanOrEqual(before + 400)
  })

  it.each([
    ["about the organization", "org"],
    ["about a user (every organization's entries)", "all"]
  ] as const)("acknowledges a webhook %s only once the read leases on what it drops have ended", async (_, scope) => {
    const lease = { ORGKIT_CACHE_MODE: "strict", ORGKIT_CACHE_READ_LEASE_MS: "400" }
    const [t, receiver] = [await isolate("s", lease), await isolate("r", lease)]
    const path = await createOrg(receiver.call)
    await t.call(path)
    const before = Date.now()
    for (let i = 0; i < 3; i++) expect(xCache(await t.call(path))).toBe("HIT")
    expect(await checksOf(t)).toEqual({ object: 1, lease: 1 })
    const delivered =
      scope === "org"
        ? await changedInLogto(receiver, path, "console")
        : await webhook(receiver, "User.Data.Updated", { id: "user-lease", name: "Lease" })
    expect(delivered.status).toBe(200)
    const answered = Date.now()
    const after = await t.call(path)
    expect([xCache(after), await described(after)]).toEqual(["MISS", scope === "org" ? "console" : "v1"])
    expect(answered).toBeGreaterThanOrEqual(before + 400)
  })

  it("with ORGKIT_CACHE_READ_LEASE_MS=0 asks the object on every hit, as before read leases", async () => {
    const t = await isolate("s0", { ORGKIT_CACHE_MODE: "strict", ORGKIT_CACHE_READ_LEASE_MS: "0" })
    const path = await createOrg(t.call)
    await t.call(path)
    for (let i = 0; i < 4; i++) expect(xCache(await t.call(path))).toBe("HIT")
    expect(await checksOf(t)).toEqual({ object: 3, lease: 0 })
  })

  it("refuses a read lease that is not a whole number of ms up to 1000", () => {
    for (const value of ["-1", "1001", "5.5", "soon"]) {
      const built = buildWorker({ ...bindings, ORGKIT_CACHE_READ_LEASE_MS: value } as Env, { platform })
      expect("problems" in built && built.problems.join()).toContain("ORGKIT_CACHE_READ_LEASE_MS")
    }
  })

  it("asks again once the held entry has expired, lease or not, and takes the freshness a revalidation gave it", async () => {
    const t = await isolate("sx", { ORGKIT_CACHE_MODE: "strict", ORGKIT_CACHE_READ_LEASE_MS: "1000" })
    const other = await isolate("sy", { ORGKIT_CACHE_MODE: "strict" })
    const path = await createOrg(t.call)
    await t.call(path)
    // Through the pipeline, then asking the object: this isolate holds the entry with a lease.
    for (let i = 0; i < 2; i++) expect(xCache(await t.call(path))).toBe("HIT")
    const checks = await checksOf(t)
    now += 31_000
    // Past max-age (30 s), another isolate's read revalidates the entry: Logto's 304 moves its expiry.
    expect(xCache(await other.call(path))).not.toBe("HIT")
    expect(xCache(await other.call(path))).toBe("HIT")
    // This isolate's copy still has the old expiry, so its lease does not stand: the object answers
    // that the entry is the same, with its new expiry, and the next hit is within the new lease.
    expect(xCache(await t.call(path))).toBe("HIT")
    expect(await checksOf(t)).toEqual({ object: checks.object + 1, lease: checks.lease })
    expect(xCache(await t.call(path))).toBe("HIT")
    expect(await checksOf(t)).toEqual({ object: checks.object + 1, lease: checks.lease + 1 })
  })

  it("a new cache object waits out the read leases its predecessor may have granted before it acknowledges an invalidation", async () => {
    const tag = `org:lease-${run}-${Math.random().toString(36).slice(2)}`
    const shard = env.ORGKIT_CACHE_SHARDS.getByName(tag)
    const started = Date.now()
    await shard.invalidate([tag], 300)
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    const again = Date.now()
    await shard.invalidate([tag], 300)
    expect(Date.now() - again).toBeLessThan(250)
  })

  it("takes a lease only from an object that grants one (an expiry answer), never from an entry it is sent", async () => {
    const entry = (storedAt: number) => ({
      key: "k",
      tag: "org:x",
      etag: '"e"',
      storedAt,
      expiresAt: Number.MAX_SAFE_INTEGER,
      bytes: 10
    })
    // The object holds a newer entry than the isolate, then confirms it (an object of the version
    // before read leases sends entries and `Unchanged` only, and waits out no lease).
    const answers: Array<unknown> = [entry(2), Number.MAX_SAFE_INTEGER]
    const objects = {
      idFromName: (name: string) => ({ name }),
      get: () => ({ lookup: async () => ({ _tag: "Fresh", entry: entry(1) }), peek: async () => answers.shift() })
    }
    const backend = durableBackend({ ORGKIT_CACHE_SHARDS: objects, ORGKIT_CACHE_REGISTRY: objects } as never, {
      maxBytes: 1_000,
      leaseMs: 1_000,
      readLeaseMs: 60_000
    })
    await backend.lookup("org:x", "k", now, "read")
    expect((await backend.peekHeld("k", now))?.storedAt).toBe(2)
    expect(backend.checks).toEqual({ asked: 1, leased: 0 })
    expect((await backend.peekHeld("k", now))?.storedAt).toBe(2)
    expect(backend.checks).toEqual({ asked: 2, leased: 0 })
    expect((await backend.peekHeld("k", now))?.storedAt).toBe(2)
    expect(backend.checks).toEqual({ asked: 2, leased: 1 })
  })

  it.each([
    ["cannot be reached", () => Promise.reject(new Error("Network connection lost."))],
    [
      "answers in a shape this version does not know (another version mid-deployment)",
      async () => ({ _tag: "Unchanged" })
    ]
  ] as const)("sends a hit to the pipeline when its Durable Object %s (no 500)", async (_, peek) => {
    const entry = { key: "k", tag: "org:x", etag: '"e"', storedAt: 1, expiresAt: Number.MAX_SAFE_INTEGER, bytes: 10 }
    const objects = {
      idFromName: (name: string) => ({ name }),
      get: () => ({ lookup: async () => ({ _tag: "Fresh", entry }), peek })
    }
    const backend = durableBackend({ ORGKIT_CACHE_SHARDS: objects, ORGKIT_CACHE_REGISTRY: objects } as never, {
      maxBytes: 1_000,
      leaseMs: 1_000,
      readLeaseMs: 0
    })
    expect((await backend.lookup("org:x", "k", now, "read"))._tag).toBe("Fresh")
    expect(await backend.peekHeld("k", now)).toBeUndefined()
    expect(backend.checks).toEqual({ asked: 1, leased: 0 })
  })
})
