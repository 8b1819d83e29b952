#!/usr/bin/env node
/**
 * `orgkit-fake`: the fake as a standalone HTTP server.
 *
 *     orgkit-fake [--port 3001] [--host 127.0.0.1] [--seed seed.json] [--token T]...
 *                 [--client-id ID --client-secret S] [--empty]
 *
 * Without `--seed` it starts with the demo data set; without `--token` and `--client-id` it
 * accepts the demo token and the demo client. It prints its URL when ready and shuts down
 * cleanly on SIGINT and SIGTERM.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import * as Demo from "./Demo.ts"
import * as FakeLogto from "./FakeLogto.ts"
import type * as Seed from "./Seed.ts"

const usage = `Usage: orgkit-fake [options]

  --port <n>             port to listen on (default 3001; 0 picks a free one)
  --host <h>             interface to bind (default 127.0.0.1)
  --seed <file.json>     seed document (default: the demo data set)
  --empty                start with no data
  --token <t>            accept this static bearer token (repeatable)
  --client-id <id>       accept this client for POST /oidc/token ...
  --client-secret <s>    ... with this secret
  --token-ttl <seconds>  lifetime of issued tokens (default 3600)
  --help                 show this text
`

const main = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "3001" },
      host: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      empty: { type: "boolean", default: false },
      token: { type: "string", multiple: true },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "token-ttl": { type: "string" },
      help: { type: "boolean", default: false }
    },
    strict: true
  })
  if (values.help) {
    process.stdout.write(usage)
    return
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`)
  if ((values["client-id"] === undefined) !== (values["client-secret"] === undefined)) {
    throw new Error("--client-id and --client-secret go together")
  }
  const seed: Seed.Input | undefined = values.empty
    ? undefined
    : values.seed === undefined
      ? Demo.seed
      : (JSON.parse(readFileSync(values.seed, "utf8")) as Seed.Input)
  const custom = values.token !== undefined || values["client-id"] !== undefined
  const tokens = custom ? (values.token ?? []) : [Demo.token]
  const clients =
    values["client-id"] !== undefined
      ? [{ clientId: values["client-id"], clientSecret: values["client-secret"]! }]
      : custom
        ? []
        : [Demo.client]
  const server = await FakeLogto.serve({
    port,
    host: values.host,
    seed,
    tokens,
    clients,
    ...(values["token-ttl"] === undefined ? {} : { tokenTtlSeconds: Number(values["token-ttl"]) })
  })
  const counts = server.fake.store.counts()
  process.stdout.write(
    [
      `orgkit fake Logto listening on ${server.url}`,
      `  data: ${counts.organizations} organizations, ${counts.users} users, ${counts.applications} applications` +
        (values.seed === undefined && !values.empty ? " (demo data set)" : ""),
      ...tokens.map((t) => `  static token: ${t}`),
      ...clients.map((c) => `  client: ${c.clientId} / ${c.clientSecret} (POST ${server.url}/oidc/token)`),
      `  try: curl -H 'Authorization: Bearer ${tokens[0] ?? "<token>"}' ${server.url}/api/organizations`,
      ""
    ].join("\n")
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    server.close().then(
      () => {
        process.stdout.write(`orgkit fake stopped (${signal})\n`)
        process.exit(0)
      },
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on("SIGINT", () => stop("SIGINT"))
  process.on("SIGTERM", () => stop("SIGTERM"))
}

main().catch((error: unknown) => {
  console.error(`orgkit-fake: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
