import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { decodeConfig, decodeNodeConfig } from "../../src/config.ts"

const valid = {
  LOGTO_ENDPOINT: "https://tenant.logto.app/",
  LOGTO_M2M_CLIENT_ID: "m2m",
  LOGTO_M2M_CLIENT_SECRET: "top-secret-value",
  ORGKIT_API_KEYS: JSON.stringify([
    { id: "a", name: "Team A", key: "0123456789abcdef", scopes: ["read", "write", "read"] },
    { id: "b", name: "Team B", keyHash: `sha256:${"AB".repeat(32)}`, scopes: ["read"], organizations: ["o1"] }
  ])
}

const problems = (env: Record<string, string | undefined>) => {
  const result = decodeNodeConfig(env)
  return Result.isFailure(result) ? result.failure.problems : []
}

describe("config", () => {
  it("decodes the settings with their defaults", () => {
    const config = decodeConfig(valid)
    expect(Result.isSuccess(config) && config.success).toEqual({
      logtoEndpoint: "https://tenant.logto.app",
      clientId: "m2m",
      clientSecret: "top-secret-value",
      apiResource: "https://default.logto.app/api",
      upstreamTimeoutMs: 10_000,
      apiKeys: [
        { id: "a", name: "Team A", key: "0123456789abcdef", scopes: ["read", "write"] },
        { id: "b", name: "Team B", keyHash: `sha256:${"ab".repeat(32)}`, scopes: ["read"], organizations: ["o1"] }
      ],
      cache: {
        enabled: true,
        maxAgeMs: 30_000,
        staleIfErrorMs: 300_000,
        maxEntryBytes: 1_048_576,
        maxBytes: 8_388_608
      },
      webhookSigningKey: undefined,
      metricsToken: undefined,
      logLevel: "info",
      audit: true,
      defaultRateLimit: undefined,
      upstreamBudget: undefined,
      upstreamBudgetWaitMs: 1_000,
      auditSettings: {
        signingKey: undefined,
        publicKeys: undefined,
        checkpointEvery: 100,
        // Workers: Cloudflare's own header; Node: none unless configured (below).
        clientIpHeader: "cf-connecting-ip",
        denialsPerMinute: 60
      }
    })
    const node = decodeNodeConfig({ ...valid, PORT: "0", HOST: "127.0.0.1", ORGKIT_UPSTREAM_TIMEOUT_MS: "2500" })
    expect(
      Result.isSuccess(node) && [
        node.success.port,
        node.success.host,
        node.success.upstreamTimeoutMs,
        node.success.auditDbPath
      ]
    ).toEqual([0, "127.0.0.1", 2500, "./data/audit.sqlite"])
  })

  it("turns the audit trail off only when asked, and names a bad value", () => {
    const off = decodeConfig({ ...valid, ORGKIT_AUDIT: "off" })
    expect(Result.isSuccess(off) && off.success.audit).toBe(false)
    expect(problems({ ...valid, ORGKIT_AUDIT: "no" })).toEqual(['ORGKIT_AUDIT: Invalid input: expected "on" or "off"'])
  })

  it("names every missing setting", () => {
    expect(problems({})).toEqual([
      "LOGTO_ENDPOINT: is required",
      "LOGTO_M2M_CLIENT_ID: is required",
      "LOGTO_M2M_CLIENT_SECRET: is required",
      "ORGKIT_API_KEYS: is required (a JSON array of keys, see README.md)"
    ])
  })

  it("names the setting and the place of each invalid value, without echoing values", () => {
    const found = problems({
      ...valid,
      LOGTO_ENDPOINT: "https://tenant.logto.app/api",
      ORGKIT_UPSTREAM_TIMEOUT_MS: "soon",
      PORT: "70000",
      ORGKIT_API_KEYS: JSON.stringify([
        { id: "a", name: "A", key: "short", scopes: ["admin"] },
        { id: "a", name: "B", key: "0123456789abcdef", keyHash: `sha256:${"0".repeat(64)}`, scopes: ["read"] }
      ])
    })
    expect(found).toEqual([
      "LOGTO_ENDPOINT: Invalid input: expected an http(s) origin such as https://tenant.logto.app (no path, query or credentials)",
      "ORGKIT_API_KEYS [0].key: Invalid input: expected 16 to 512 printable ASCII characters without spaces",
      'ORGKIT_API_KEYS [0].scopes[0]: Invalid input: expected one of "read", "write", "audit:read"',
      "ORGKIT_UPSTREAM_TIMEOUT_MS: Invalid input: expected an integer from 1 to 300000",
      "PORT: Invalid input: expected an integer from 0 to 65535"
    ])
    expect(found.join("\n")).not.toContain("short")
  })

  it("checks the keys as a whole: one secret each, unique ids and secrets, valid JSON", () => {
    const both = { id: "a", name: "A", key: "0123456789abcdef", keyHash: `sha256:${"0".repeat(64)}`, scopes: ["read"] }
    const twice = { id: "a", name: "B", key: "0123456789abcdef", scopes: ["read"] }
    expect(problems({ ...valid, ORGKIT_API_KEYS: JSON.stringify([both, twice]) })).toEqual([
      'ORGKIT_API_KEYS [0]: needs exactly one of "key" and "keyHash"',
      'ORGKIT_API_KEYS [1]: duplicate id "a"',
      "ORGKIT_API_KEYS [1]: the same key is configured twice"
    ])
    expect(problems({ ...valid, ORGKIT_API_KEYS: "[{" })).toEqual(["ORGKIT_API_KEYS: is not valid JSON"])
    expect(problems({ ...valid, ORGKIT_API_KEYS: "[]" })).toEqual([
      "ORGKIT_API_KEYS: Array must contain at least 1 element(s)"
    ])
  })

  it("decodes the cache, webhook, metrics and log settings (Node bounds the whole cache at 64 MiB)", () => {
    const node = decodeNodeConfig({
      ...valid,
      ORGKIT_CACHE: "off",
      ORGKIT_CACHE_MAX_AGE_S: "5",
      ORGKIT_CACHE_STALE_IF_ERROR_S: "0",
      LOGTO_WEBHOOK_SIGNING_KEY: "whsec",
      ORGKIT_METRICS_TOKEN: "metrics-token-0123456789",
      ORGKIT_LOG_LEVEL: "warn"
    })
    expect(Result.isSuccess(node) && node.success).toMatchObject({
      cache: { enabled: false, maxAgeMs: 5_000, staleIfErrorMs: 0, maxEntryBytes: 1_048_576, maxBytes: 67_108_864 },
      webhookSigningKey: "whsec",
      metricsToken: "metrics-token-0123456789",
      logLevel: "warn"
    })
  })

  it("names each invalid cache, metrics and log setting", () => {
    expect(
      problems({
        ...valid,
        ORGKIT_CACHE: "yes",
        ORGKIT_CACHE_MAX_AGE_S: "0",
        ORGKIT_METRICS_TOKEN: "short",
        ORGKIT_LOG_LEVEL: "debug"
      })
    ).toEqual([
      'ORGKIT_CACHE: Invalid input: expected "on" or "off"',
      "ORGKIT_CACHE_MAX_AGE_S: Invalid input: expected an integer from 1 to 86400",
      "ORGKIT_METRICS_TOKEN: Invalid input: expected 16 to 512 printable ASCII characters without spaces",
      'ORGKIT_LOG_LEVEL: Invalid input: expected "info", "warn", "error" or "silent"'
    ])
    expect(problems({ ...valid, ORGKIT_CACHE_MAX_ENTRY_BYTES: "100000", ORGKIT_CACHE_MAX_BYTES: "70000" })).toEqual([
      "ORGKIT_CACHE_MAX_ENTRY_BYTES: must not exceed ORGKIT_CACHE_MAX_BYTES"
    ])
  })

  it("refuses unknown fields in a key entry, naming them (a typo must not widen a key)", () => {
    const keys = JSON.stringify([{ id: "a", name: "A", key: "0123456789abcdef", scopes: ["read"], orgs: ["o1"] }])
    expect(problems({ ...valid, ORGKIT_API_KEYS: keys })).toEqual([
      'ORGKIT_API_KEYS [0]: unknown field "orgs" (the fields are id, name, key, keyHash, scopes, organizations, rateLimit)'
    ])
  })

  it("refuses the SHA-256 of the empty string as a keyHash (what an unset variable hashes to)", () => {
    const empty = "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
    const keys = JSON.stringify([{ id: "a", name: "A", keyHash: empty, scopes: ["read"] }])
    expect(problems({ ...valid, ORGKIT_API_KEYS: keys })).toEqual([
      "ORGKIT_API_KEYS [0]: keyHash is the SHA-256 of the empty string (was the key variable unset?)"
    ])
  })

  it("refuses an ORGKIT_ variable that nothing reads, on Node and on Workers (bindings are not strings)", () => {
    const expected = ["ORGKIT_CACHE_MAXAGE_S: is not a setting of the proxy (misspelt? see README.md, Configuration)"]
    expect(problems({ ...valid, ORGKIT_CACHE_MAXAGE_S: "5" })).toEqual(expected)
    const workers = decodeConfig({ ...valid, ORGKIT_CACHE_MAXAGE_S: "5" })
    expect(Result.isFailure(workers) && workers.failure.problems).toEqual(expected)
    const binding = { ...valid, ORGKIT_CACHE_SHARDS: {} } as unknown as Record<string, string>
    expect(Result.isSuccess(decodeConfig(binding))).toBe(true)
    expect(problems({ ...valid, ORGKIT_DEMO_KEY: "x", ORGKIT_AUDIT_SIGNING_KEY: "" })).toEqual([])
  })

  it("decodes the Node server's limits with their defaults, and refuses headers slower than the request", () => {
    const node = decodeNodeConfig(valid)
    expect(Result.isSuccess(node) && node.success.server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 4_096,
      shutdownGraceMs: 10_000
    })
    expect(problems({ ...valid, ORGKIT_HEADERS_TIMEOUT_MS: "60000", ORGKIT_REQUEST_TIMEOUT_MS: "1000" })).toEqual([
      "ORGKIT_HEADERS_TIMEOUT_MS: must not exceed ORGKIT_REQUEST_TIMEOUT_MS"
    ])
    expect(problems({ ...valid, ORGKIT_MAX_CONNECTIONS: "0" })).toEqual([
      "ORGKIT_MAX_CONNECTIONS: Invalid input: expected an integer from 1 to 1000000"
    ])
  })

  it("takes the audit client IP only from a configured header on Node", () => {
    const node = decodeNodeConfig(valid)
    expect(Result.isSuccess(node) && node.success.auditSettings.clientIpHeader).toBeUndefined()
    const trusted = decodeNodeConfig({ ...valid, ORGKIT_AUDIT_CLIENT_IP_HEADER: "X-Real-IP" })
    expect(Result.isSuccess(trusted) && trusted.success.auditSettings.clientIpHeader).toBe("x-real-ip")
  })

  it("refuses a blank audit signing key or IP header rather than running without them, and names the audit's bad numbers as the proxy's", () => {
    expect(
      problems({
        ...valid,
        ORGKIT_AUDIT_SIGNING_KEY: "   ",
        ORGKIT_AUDIT_CLIENT_IP_HEADER: " ",
        ORGKIT_AUDIT_CHECKPOINT_EVERY: "1e3",
        ORGKIT_CACHE_MAX_AGE_S: "1e3"
      }).map((p) => p.replace(/ \(.*$/, ""))
    ).toEqual([
      "ORGKIT_AUDIT_SIGNING_KEY: is not an Ed25519 private key in PKCS#8 form",
      "ORGKIT_AUDIT_CLIENT_IP_HEADER: expected an HTTP header name",
      "ORGKIT_AUDIT_CHECKPOINT_EVERY: Invalid input: expected an integer from 1 to 100000",
      "ORGKIT_CACHE_MAX_AGE_S: Invalid input: expected an integer from 1 to 86400"
    ])
  })

  it("decodes quotas and the upstream budget, and names a malformed rate", () => {
    const keys = JSON.stringify([
      { id: "a", name: "A", key: "0123456789abcdef", scopes: ["read"], rateLimit: { requests: 10, perSeconds: 1 } }
    ])
    const config = decodeNodeConfig({
      ...valid,
      ORGKIT_API_KEYS: keys,
      ORGKIT_RATE_LIMIT: "100/10s",
      ORGKIT_UPSTREAM_BUDGET: "200/10s",
      ORGKIT_UPSTREAM_BUDGET_WRITE_SHARE: "30",
      ORGKIT_UPSTREAM_BUDGET_WAIT_MS: "500"
    })
    expect(Result.isSuccess(config) && config.success).toMatchObject({
      apiKeys: [{ rateLimit: { requests: 10, perSeconds: 1 } }],
      defaultRateLimit: { requests: 100, perSeconds: 10 },
      upstreamBudget: { rate: { requests: 200, perSeconds: 10 }, writeShare: 0.3 },
      upstreamBudgetWaitMs: 500
    })
    expect(problems({ ...valid, ORGKIT_UPSTREAM_BUDGET: "200 per 10s", ORGKIT_RATE_LIMIT: "0/1s" })).toEqual([
      'ORGKIT_RATE_LIMIT: Invalid input: expected a rate such as "200/10s" (requests/seconds)',
      'ORGKIT_UPSTREAM_BUDGET: Invalid input: expected a rate such as "200/10s" (requests/seconds)'
    ])
    const bad = JSON.stringify([
      { id: "a", name: "A", key: "0123456789abcdef", scopes: ["read"], rateLimit: { requests: 0, perSeconds: 1 } }
    ])
    expect(problems({ ...valid, ORGKIT_API_KEYS: bad })).toHaveLength(1)
  })
})
