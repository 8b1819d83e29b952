/**
 * The two settings of several Node processes: decoded from the environment like the others, refused
 * with the setting's name (never its value: the URLs carry passwords), and absent by default.
 */
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { decodeNodeConfig } from "../../src/config.ts"
import { proxyEnv } from "../fixtures/e2e.ts"

const decode = (extra: Record<string, string>) => decodeNodeConfig({ ...proxyEnv("http://127.0.0.1:9"), ...extra })

describe("ORGKIT_CACHE_REDIS_URL and ORGKIT_AUDIT_DATABASE_URL", () => {
  it("are unset by default: the in-memory cache and the SQLite file", () => {
    const config = decode({})
    expect(Result.isSuccess(config) && [config.success.cacheRedisUrl, config.success.auditDatabaseUrl]).toEqual([
      undefined,
      undefined
    ])
  })

  it("take redis(s):// and postgres(ql):// URLs", () => {
    const config = decode({
      ORGKIT_CACHE_REDIS_URL: "rediss://cache:s3cret@redis.internal:6380/2",
      ORGKIT_AUDIT_DATABASE_URL: "postgresql://orgkit:s3cret@db.internal:5432/logto"
    })
    expect(Result.isSuccess(config) && [config.success.cacheRedisUrl, config.success.auditDatabaseUrl]).toEqual([
      "rediss://cache:s3cret@redis.internal:6380/2",
      "postgresql://orgkit:s3cret@db.internal:5432/logto"
    ])
  })

  it("refuses other URLs, naming the setting and never echoing the value", () => {
    const config = decode({
      ORGKIT_CACHE_REDIS_URL: "http://cache:s3cret@redis.internal:6379",
      ORGKIT_AUDIT_DATABASE_URL: "mysql://orgkit:s3cret@db.internal/logto"
    })
    expect(Result.isFailure(config)).toBe(true)
    const message = Result.isFailure(config) ? config.failure.message : ""
    expect(message).toContain("ORGKIT_CACHE_REDIS_URL")
    expect(message).toContain("ORGKIT_AUDIT_DATABASE_URL")
    expect(message).not.toContain("s3cret")
  })
})
