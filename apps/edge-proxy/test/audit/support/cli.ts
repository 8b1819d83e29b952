/** Runs the `orgkit` CLI as a process, as `npx pnpm orgkit …` does (from the repository root). */
import { spawn } from "node:child_process"
import { resolve } from "node:path"

/** The repository root (where `pnpm orgkit` runs). */
export const repoRoot = resolve(import.meta.dirname, "../../../../..")

/** What a run printed and how it exited. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const collect = (
  command: string,
  args: ReadonlyArray<string>,
  options: { input?: string; cwd?: string }
): Promise<Run> =>
  new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, INIT_CWD: options.cwd ?? repoRoot, NO_COLOR: "1" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
    child.stdin.end(options.input ?? "")
  })

/** `node apps/edge-proxy/src/cli/node/main.ts …` (what the root script `orgkit` runs). */
export const orgkit = (args: ReadonlyArray<string>, options: { input?: string; cwd?: string } = {}): Promise<Run> =>
  collect(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", resolve(repoRoot, "apps/edge-proxy/src/cli/node/main.ts"), ...args],
    options
  )

/** `pnpm --silent orgkit …`: through the root package.json script. */
export const pnpmOrgkit = (args: ReadonlyArray<string>, options: { input?: string; cwd?: string } = {}): Promise<Run> =>
  collect("pnpm", ["--silent", "orgkit", ...args], options)
