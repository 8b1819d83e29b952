/**
 * `orgkit audit keygen | export | verify`: the checkpoint signing key, an NDJSON export of the raw
 * chain and its signed checkpoints, and offline verification of a proxy or of an export with the
 * same module `GET /audit/verify` runs (`src/audit/verify.ts`).
 *
 * The export's lines: `{"kind":"export","v":1,"time","source"}` first, then `{"kind":"entry","seq",
 * "entry","hash"}` in chain order, then `{"kind":"checkpoint","checkpoint","signature"}` in order.
 */
import type { Command } from "commander"
import { createWriteStream, readFileSync, writeFileSync } from "node:fs"
import { finished } from "node:stream/promises"
import { parseSignedCheckpoint, type SignedCheckpoint } from "../../audit/checkpoint.ts"
import { generateKeyPair, parsePublicKeys, type PublicKey } from "../../audit/keys.ts"
import type { RawEntry } from "../../audit/store.ts"
import { verifyChain } from "../../audit/verify.ts"
import { fileLines, remoteLines, UsageError, userPath } from "./io.ts"

interface Source {
  readonly entries: AsyncIterable<RawEntry>
  readonly checkpoints: AsyncIterable<SignedCheckpoint>
  readonly asOf: number
}

const isEntry = (value: unknown): value is RawEntry => {
  const v = value as Partial<RawEntry>
  return typeof v.seq === "number" && typeof v.entry === "string" && typeof v.hash === "string"
}

async function* entriesOf(lines: AsyncIterable<unknown>, what: string): AsyncGenerator<RawEntry> {
  for await (const line of lines) {
    if (!isEntry(line)) throw new UsageError(`${what}: a line is not a chain entry {seq, entry, hash}`)
    yield { seq: line.seq, entry: line.entry, hash: line.hash }
  }
}

async function* checkpointsOf(lines: AsyncIterable<unknown>, what: string): AsyncGenerator<SignedCheckpoint> {
  for await (const line of lines) {
    const signed = parseSignedCheckpoint(line)
    if (signed === undefined) throw new UsageError(`${what}: a line is not a signed checkpoint`)
    yield signed
  }
}

/** Reads an export file (two passes: entries, then checkpoints). */
const exportSource = async (path: string): Promise<Source> => {
  const first = await fileLines(path).next()
  const header = first.value as { kind?: unknown; time?: unknown } | undefined
  if (first.done === true || header?.kind !== "export" || typeof header.time !== "string") {
    throw new UsageError(`${path}: not an orgkit audit export (its first line must be {"kind":"export",…})`)
  }
  const ofKind = async function* (kind: string) {
    for await (const line of fileLines(path)) if ((line as { kind?: unknown }).kind === kind) yield line
  }
  return {
    entries: entriesOf(ofKind("entry"), path),
    checkpoints: checkpointsOf(ofKind("checkpoint"), path),
    asOf: Date.parse(header.time)
  }
}

const remoteSource = async (url: string, key: string): Promise<Source> => {
  const asOf = Date.now()
  return {
    entries: entriesOf(await remoteLines(url, key, "audit/chain"), "/audit/chain"),
    checkpoints: checkpointsOf(await remoteLines(url, key, "audit/checkpoints"), "/audit/checkpoints"),
    asOf
  }
}

/** The newest checkpoint in a file: a stored checkpoint, one log line, or a whole log (its last checkpoint line). */
const latestFrom = (path: string): SignedCheckpoint => {
  const text = readFileSync(userPath(path), "utf8")
  let latest: SignedCheckpoint | undefined
  for (const line of text.split("\n")) {
    if (!line.trim().startsWith("{")) continue
    try {
      latest = parseSignedCheckpoint(JSON.parse(line)) ?? latest
    } catch {
      // not a JSON line of the log
    }
  }
  if (latest === undefined) {
    try {
      latest = parseSignedCheckpoint(JSON.parse(text))
    } catch {
      // reported below
    }
  }
  if (latest === undefined) throw new UsageError(`${path}: holds no signed checkpoint (an "audit checkpoint" log line)`)
  return latest
}

const publicKeysFrom = async (path: string): Promise<Array<PublicKey>> => {
  const keys = await parsePublicKeys(readFileSync(userPath(path), "utf8")).catch((error: unknown) => {
    throw new UsageError(`${path}: ${(error as Error).message}`)
  })
  if (keys.length === 0) throw new UsageError(`${path}: holds no PEM public key`)
  return keys
}

interface VerifyFlags {
  readonly url?: string
  readonly key?: string
  readonly export?: string
  readonly publicKey?: string
  readonly checkpoint?: string
  readonly maxGap?: string
}

const verify = async (flags: VerifyFlags): Promise<void> => {
  if ((flags.export === undefined) === (flags.url === undefined)) {
    throw new UsageError("give either --url (with --key) or --export FILE")
  }
  if (flags.url !== undefined && flags.key === undefined) throw new UsageError("--url needs --key (an audit:read key)")
  const source =
    flags.export !== undefined ? await exportSource(flags.export) : await remoteSource(flags.url!, flags.key!)
  const publicKeys = flags.publicKey === undefined ? [] : await publicKeysFrom(flags.publicKey)
  if (publicKeys.length === 0) {
    process.stderr.write("no --public-key: checkpoint signatures, gaps and truncation are not checked\n")
  }
  const maxGapMs = flags.maxGap === undefined ? undefined : Number(flags.maxGap) * 1000
  if (maxGapMs !== undefined && !(maxGapMs > 0)) throw new UsageError("--max-gap must be a positive number of seconds")
  const result = await verifyChain({
    entries: source.entries,
    checkpoints: source.checkpoints,
    publicKeys,
    latest: flags.checkpoint === undefined ? undefined : latestFrom(flags.checkpoint),
    asOf: source.asOf,
    ...(maxGapMs === undefined ? {} : { maxGapMs })
  })
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.stderr.write(
    result.ok
      ? `ok: ${result.events} events, ${result.entries} entries, ${result.checkpoints ?? 0} signed checkpoints\n`
      : `FAILED at event ${result.firstBadEventId === "" ? "(none)" : result.firstBadEventId}: ${result.reason}\n`
  )
  if (!result.ok) process.exitCode = 1
}

const exportChain = async (flags: { url: string; key: string; out?: string }): Promise<void> => {
  const out = flags.out === undefined ? process.stdout : createWriteStream(userPath(flags.out))
  const write = (line: unknown) =>
    out.write(`${JSON.stringify(line)}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", r))
  const tty = process.stderr.isTTY === true
  let entries = 0
  let checkpoints = 0
  let shown = 0
  const progress = (force = false) => {
    const now = Date.now()
    if (!force && now - shown < (tty ? 200 : 2000)) return
    shown = now
    const text = `exported ${entries} entries, ${checkpoints} checkpoints`
    process.stderr.write(tty && !force ? `\r${text}` : `${tty ? "\r" : ""}${text}\n`)
  }
  await write({ kind: "export", v: 1, time: new Date().toISOString(), source: flags.url })
  for await (const line of await remoteLines(flags.url, flags.key, "audit/chain")) {
    await write({ kind: "entry", ...(line as object) })
    entries++
    progress()
  }
  for await (const line of await remoteLines(flags.url, flags.key, "audit/checkpoints")) {
    await write({ kind: "checkpoint", ...(line as object) })
    checkpoints++
    progress()
  }
  progress(true)
  if (out !== process.stdout) {
    out.end()
    await finished(out)
  }
}

/** Adds `audit keygen`, `audit export` and `audit verify` to the program. */
export const auditCommands = (program: Command): void => {
  const audit = program.command("audit").description("the audit trail: signing keys, export, verification")
  audit
    .command("keygen")
    .description("a new Ed25519 checkpoint signing key (ORGKIT_AUDIT_SIGNING_KEY) and its public key")
    .option("--private-out <file>", "write the private key here (mode 600) instead of standard output")
    .option("--public-out <file>", "write the public key here too")
    .action(async (flags: { privateOut?: string; publicOut?: string }) => {
      const pair = await generateKeyPair()
      if (flags.privateOut !== undefined) writeFileSync(userPath(flags.privateOut), pair.privatePem, { mode: 0o600 })
      else process.stdout.write(pair.privatePem)
      if (flags.publicOut !== undefined) writeFileSync(userPath(flags.publicOut), pair.publicPem)
      process.stdout.write(pair.publicPem)
      process.stderr.write(
        `key id ${pair.keyId}. The PRIVATE KEY is the secret ORGKIT_AUDIT_SIGNING_KEY (never store it with the ` +
          "events); the PUBLIC KEY is what `orgkit audit verify --public-key` takes.\n"
      )
    })
  audit
    .command("export")
    .description("the raw chain and its signed checkpoints as NDJSON (progress on standard error)")
    .requiredOption("--url <url>", "the proxy, e.g. https://orgkit-proxy.example.com")
    .requiredOption("--key <key>", "a key with the audit:read scope (and no organization list)")
    .option("--out <file>", "write here instead of standard output")
    .action(exportChain)
  audit
    .command("verify")
    .description("verify every entry, link and checkpoint; names the first bad event (exit 1)")
    .option("--url <url>", "a proxy to read the chain from")
    .option("--key <key>", "with --url: a key with the audit:read scope")
    .option("--export <file>", "an export file (orgkit audit export)")
    .option("--public-key <file>", "the PEM public key(s) (GET /audit/public-key, orgkit audit keygen)")
    .option("--checkpoint <file>", "the latest checkpoint from the logs: a log line, or a log file (its last one)")
    .option("--max-gap <seconds>", "the longest time between checkpoints that is not a gap (default 150)")
    .action(verify)
}
