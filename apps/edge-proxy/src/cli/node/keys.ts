/**
 * `orgkit keys new` and `orgkit keys hash`: proxy keys without hand-rolled shell. `new` prints the
 * key once and the `ORGKIT_API_KEYS` entry holding only its hash (checked with the proxy's own
 * configuration decoder); `hash` hashes a key read from standard input.
 */
import type { Command } from "commander"
import * as Result from "effect/Result"
import { sha256HexBytes } from "../../audit/canonical.ts"
import { toBase64Url } from "../../audit/keys.ts"
import { decodeConfig } from "../../config.ts"
import { isToken, tokenForm } from "../../internal/setting.ts"
import { UsageError } from "./io.ts"

const encoder = new TextEncoder()

/** The `keyHash` of a key, as `ORGKIT_API_KEYS` takes it. */
export const keyHash = async (key: string): Promise<string> => `sha256:${await sha256HexBytes(encoder.encode(key))}`

const list = (text: string): Array<string> =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")

/** Checks an entry with the proxy's configuration decoder; throws the problems it names. */
const checkEntry = (entry: Record<string, unknown>): void => {
  const decoded = decodeConfig({
    LOGTO_ENDPOINT: "https://logto.invalid",
    LOGTO_M2M_CLIENT_ID: "check",
    LOGTO_M2M_CLIENT_SECRET: "check",
    ORGKIT_API_KEYS: JSON.stringify([entry])
  })
  if (Result.isFailure(decoded)) throw new UsageError(decoded.failure.problems.join("; "))
}

const readStdin = async (): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/** Adds `keys new` and `keys hash` to the program. */
export const keysCommands = (program: Command): void => {
  const keys = program.command("keys").description("proxy keys (ORGKIT_API_KEYS)")
  keys
    .command("new")
    .description("make a key: prints it once, then its ORGKIT_API_KEYS entry (hash only)")
    .requiredOption("--id <id>", "the key's id (the audit actor id)")
    .requiredOption("--name <name>", "the team that holds it")
    .requiredOption("--scopes <list>", "comma-separated: read, write, audit:read")
    .option("--organizations <list>", "comma-separated organization ids it may touch (default: all)")
    .action(async (options: { id: string; name: string; scopes: string; organizations?: string }) => {
      const key = `ok_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`
      const entry: Record<string, unknown> = {
        id: options.id,
        name: options.name,
        keyHash: await keyHash(key),
        scopes: list(options.scopes),
        ...(options.organizations === undefined ? {} : { organizations: list(options.organizations) })
      }
      checkEntry(entry)
      process.stdout.write(`${key}\n${JSON.stringify(entry)}\n`)
      process.stderr.write(
        "The first line is the key: give it to the team now, it is not shown again. " +
          "The second is its entry for ORGKIT_API_KEYS (the proxy stores only the hash).\n"
      )
    })
  keys
    .command("hash")
    .description("hash a key read from standard input (one trailing newline is ignored)")
    .action(async () => {
      const key = (await readStdin()).replace(/\r?\n$/, "")
      if (key === "") throw new UsageError("standard input is empty: no key to hash")
      if (!isToken(key)) {
        throw new UsageError(`a proxy key is ${tokenForm}`)
      }
      process.stdout.write(`${await keyHash(key)}\n`)
    })
}
