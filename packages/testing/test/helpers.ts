/**
 * A small HTTP helper over any fetch-like target (the in-process handler or a real server).
 */
import { FakeLogto } from "../src/index.ts"
import { world } from "./fixtures/world.ts"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  // oxlint-disable-next-line typescript/no-explicit-any -- JSON bodies are asserted field by field
  readonly body: any
}

export interface CallOptions {
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** `null` sends no Authorization header. */
  readonly token?: string | null
  /** Sends `body` as is (a string) instead of JSON. */
  readonly raw?: boolean
}

export type Fetch = (request: Request) => Promise<Response>

export const makeCall =
  (fetch: Fetch, baseUrl: string, defaultToken: string | undefined) =>
  async (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers }
    const token = options.token === undefined ? defaultToken : options.token
    if (token !== null && token !== undefined && headers["authorization"] === undefined)
      headers["authorization"] = `Bearer ${token}`
    // Bytes, so that fetch adds no Content-Type of its own.
    let body: Uint8Array<ArrayBuffer> | undefined
    if (options.body !== undefined) {
      body = new TextEncoder().encode(options.raw === true ? String(options.body) : JSON.stringify(options.body))
      if (options.raw !== true && headers["content-type"] === undefined) headers["content-type"] = "application/json"
    }
    const response = await fetch(
      new Request(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    )
    const text = await response.text()
    let parsed: unknown = undefined
    if ((response.headers.get("content-type") ?? "").startsWith("application/json") && text !== "")
      parsed = JSON.parse(text)
    return { status: response.status, headers: response.headers, text, body: parsed }
  }

export type Call = ReturnType<typeof makeCall>

/** A fresh in-process fake seeded with the test world. */
export const setup = (options: FakeLogto.Options = {}) => {
  const fake = FakeLogto.make({ seed: world, idSeed: 7, ...options })
  const call = makeCall(fake.fetch, "http://logto.test", fake.token)
  return { fake, call }
}

/** The Logto error body for a code, as the tests expect it. */
export const logtoError = (code: string, message: string, data?: unknown) => ({
  code,
  message,
  ...(data === undefined ? {} : { data })
})

export const messages = {
  foreignKey:
    "Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist.",
  unique: "The entity already exists. Please check the input and try again.",
  constraint: "Database constraint violated.",
  membership: "The user must be a member of the organization to proceed.",
  notFound: "The resource does not exist.",
  notExists: "The organization does not exist.",
  invalidInput: "Invalid input. Value list must not be empty.",
  tooLong: "The length of value is too long and exceeds the limit.",
  pagination: "The request pagination value is invalid."
} as const

export const notExistsWithId = (id: string) =>
  logtoError("entity.not_exists_with_id", `The organizations with ID \`${id}\` does not exist.`)
