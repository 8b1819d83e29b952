/**
 * HTTP load from a separate process: wrk (Debian) when installed, else autocannon (npm). Returns
 * throughput, latency percentiles, errors and the generator's own CPU time (near the run's duration
 * means the generator, not the server, was the limit).
 */
import { createRequire } from "node:module"
import { hasCommand, run } from "./proc.ts"

export interface LoadResult {
  readonly tool: "wrk" | "autocannon"
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly requests: number
  readonly errors: number
  readonly non2xx: number
  readonly generatorCpuSeconds: number
}

export interface LoadOptions {
  readonly url: string
  readonly connections: number
  readonly seconds: number
  readonly headers?: Readonly<Record<string, string>>
  readonly cpu?: number
}

const ms = (value: string): number => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim())
  if (m === null) return Number.NaN
  const n = Number(m[1])
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n
}

const wrk = async (options: LoadOptions): Promise<LoadResult> => {
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`])
  const { stdout, cpuSeconds } = await run(
    "wrk",
    ["-t1", `-c${options.connections}`, `-d${options.seconds}s`, "--latency", ...headers, options.url],
    options.cpu === undefined ? {} : { cpu: options.cpu }
  )
  const percentile = (p: string) => ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? "NaN")
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)
  return {
    tool: "wrk",
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
    requests,
    errors: socket === null ? 0 : socket.slice(1).reduce((a, b) => a + Number(b), 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    generatorCpuSeconds: cpuSeconds
  }
}

const autocannon = async (options: LoadOptions): Promise<LoadResult> => {
  const cli = createRequire(import.meta.url).resolve("autocannon/autocannon.js")
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}=${v}`])
  const { stdout, cpuSeconds } = await run(
    process.execPath,
    [cli, "-c", String(options.connections), "-d", String(options.seconds), "-j", ...headers, options.url],
    options.cpu === undefined ? {} : { cpu: options.cpu }
  )
  const json = JSON.parse(stdout) as {
    requests: { average: number; total: number }
    latency: { p50: number; p99: number }
    errors: number
    non2xx: number
  }
  return {
    tool: "autocannon",
    rps: json.requests.average,
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    requests: json.requests.total,
    errors: json.errors,
    non2xx: json.non2xx,
    generatorCpuSeconds: cpuSeconds
  }
}

export const loadTool = (): "wrk" | "autocannon" => (hasCommand("wrk") ? "wrk" : "autocannon")

export const load = (options: LoadOptions): Promise<LoadResult> =>
  loadTool() === "wrk" ? wrk(options) : autocannon(options)
