/**
 * Child processes for benchmarks: each server or load generator runs in its own process, optionally
 * pinned to one core, with its CPU time read from /proc so that per-request cost can be reported.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"

export interface Started {
  readonly name: string
  readonly child: ChildProcess
  /** User + system CPU seconds of the process and its children so far. */
  readonly cpuSeconds: () => number
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const ticks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime + cutime + cstime of a pid, in seconds (Linux /proc). */
export const cpuOf = (pid: number | undefined): number => {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]))
  return (utime! + stime! + cutime! + cstime!) / ticks
}

export const hasCommand = (command: string): boolean => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/** `taskset -c <cpu>` when available and the machine has that core. */
const pinned = (cpu: number | undefined, command: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  cpu !== undefined && hasCommand("taskset") ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, [...args]]

export const start = (
  name: string,
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cpu?: number; readonly cwd?: string } = {}
): Started => {
  const [cmd, argv] = pinned(options.cpu, command, args)
  const child = spawn(cmd, argv, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: false
  })
  let output = ""
  child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
  return {
    name,
    child,
    cpuSeconds: () => cpuOf(child.pid),
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
        child.once("exit", () => {
          clearTimeout(timer)
          resolve()
        })
        child.kill("SIGTERM")
      })
  }
}

/** Polls a URL until it answers (any status) or the deadline passes. */
export const waitFor = async (url: string, timeoutMs = 20_000, init?: RequestInit): Promise<number> => {
  const started = performance.now()
  for (;;) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(1_000) })
      await response.arrayBuffer()
      return performance.now() - started
    } catch {
      if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** Runs a command to completion and returns its stdout. */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string; readonly cpu?: number } = {}
) =>
  new Promise<{ stdout: string; stderr: string; cpuSeconds: number }>((resolve, reject) => {
    const [cmd, argv] = pinned(options.cpu, command, args)
    const child = spawn(cmd, argv, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let cpu = 0
    const sample = setInterval(() => (cpu = Math.max(cpu, cpuOf(child.pid))), 200)
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("exit", (code) => {
      clearInterval(sample)
      if (code === 0) resolve({ stdout, stderr, cpuSeconds: cpu })
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`))
    })
  })
