/**
 * The `orgkit` command line (`npx pnpm orgkit …` from the repository root): proxy keys
 * (`keys new`, `keys hash`) and the audit trail (`audit keygen`, `audit export`, `audit verify`).
 * Exit codes: 0 done, 1 verification failed, 2 a usage or input problem (one line on stderr).
 */
import { Command, CommanderError } from "commander"
import { auditCommands } from "./audit.ts"
import { UsageError } from "./io.ts"
import { keysCommands } from "./keys.ts"

const program = new Command("orgkit")
  .description("orgkit: proxy keys and the audit trail of the edge proxy")
  .exitOverride()
  .showHelpAfterError()
keysCommands(program)
auditCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2)
  process.stderr.write(`orgkit: ${error instanceof UsageError ? error.message : String(error)}\n`)
  process.exit(2)
}
