/**
 * What the CLI's commands share: paths relative to where the user ran `pnpm orgkit` (pnpm runs the
 * script from the repository root and says where it was called in `INIT_CWD`), NDJSON lines from a
 * file or an HTTP answer, and the proxy's audit API with a key.
 */
import { createReadStream } from "node:fs"
import { resolve } from "node:path"
import { createInterface } from "node:readline"
import { Readable } from "node:stream"
import type { ReadableStream as WebReadableStream } from "node:stream/web"

/** A path as the user meant it. */
export const userPath = (path: string): string => resolve(process.env["INIT_CWD"] ?? process.cwd(), path)

/** A usage or input problem: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = "UsageError"
  }
}

/** The lines of a stream, as parsed JSON (blank lines skipped); the line number names a bad one. */
export async function* ndjson(input: Readable, what: string): AsyncGenerator<unknown> {
  let line = 0
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    line++
    if (text.trim() === "") continue
    try {
      yield JSON.parse(text)
    } catch {
      throw new UsageError(`${what}: line ${line} is not JSON`)
    }
  }
}

/** The NDJSON lines of a file. */
export const fileLines = (path: string): AsyncGenerator<unknown> => ndjson(createReadStream(userPath(path)), path)

/** GETs `path` from the proxy with the key; rejects with the proxy's code and message on an error. */
export const get = async (url: string, key: string, path: string): Promise<Response> => {
  let response: Response
  try {
    response = await fetch(new URL(path, url.endsWith("/") ? url : `${url}/`), {
      headers: { authorization: `Bearer ${key}` }
    })
  } catch (error) {
    throw new UsageError(`cannot reach ${url}: ${String((error as Error).cause ?? error)}`)
  }
  if (!response.ok) {
    const body = await response.text()
    throw new UsageError(`GET ${path}: ${response.status} ${body.slice(0, 300)}`)
  }
  return response
}

/** The NDJSON lines of a proxy answer. */
export const remoteLines = async (url: string, key: string, path: string): Promise<AsyncGenerator<unknown>> => {
  const response = await get(url, key, path)
  return ndjson(Readable.fromWeb(response.body! as WebReadableStream), path)
}
