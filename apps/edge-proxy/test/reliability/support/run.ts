/**
 * Sends each bad request to the proxy and judges the answer:
 * - a 4xx (never a 5xx, never no answer) with a Logto-shaped body: JSON `{ code, message, data?,
 *   details? }`, Logto's message-only JSON-syntax 400, or Koa's plain-text `Not Found` /
 *   `Method Not Allowed` (with `Allow`);
 * - exactly the answer the oracle computes (status, content type, body bytes, `Allow`);
 * - nothing reached the fake (its request log is empty afterwards), or, for the requests the proxy
 *   must pass on, exactly one request on one of the 36 routes;
 * - the caller's `x-request-id` echoed when usable, a fresh one otherwise; no header injected;
 * - and the same request sent straight to the fake gets the same answer (Logto's), except where
 *   the proxy deliberately differs (see `logtoAnswer`).
 */
import { RouteTable } from "@orgkit/core"
import { Demo } from "@orgkit/testing"
import { type Client, httpClient, type Incoming, type Outgoing, rawExchange } from "./http.ts"
import { type Case, type Expected, expected, headerOf, jsonType, logtoAnswer, textType } from "./oracle.ts"
import type { Forwarded, Raw } from "./nasty.ts"
import { directToken, keys, members, type Stack } from "./stack.ts"

/** One judged request. */
export interface Verdict {
  readonly label: string
  readonly problems: ReadonlyArray<string>
  /** The request, for the report. */
  readonly request: string
  /** How the fake's own answer compared: same, a documented difference, or not compared. */
  readonly logto: "same" | "differs" | "skipped"
}

/** Counts, grouped. */
export interface Tally {
  tried: number
  passed: number
  failed: number
  readonly byGroup: Map<string, { tried: number; failed: number }>
  readonly byStatus: Map<number, number>
  readonly logto: { same: number; differs: Map<string, number>; skipped: Map<string, number> }
  readonly failures: Array<Verdict>
}

/** An empty tally. */
export const emptyTally = (): Tally => ({
  tried: 0,
  passed: 0,
  failed: 0,
  byGroup: new Map(),
  byStatus: new Map(),
  logto: { same: 0, differs: new Map(), skipped: new Map() },
  failures: []
})

const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1)

/** Adds a verdict to the tally. */
export const record = (tally: Tally, verdict: Verdict, status: number, logtoWhy?: string) => {
  tally.tried++
  const group = verdict.label.split(":")[0]!
  const g = tally.byGroup.get(group) ?? { tried: 0, failed: 0 }
  g.tried++
  bump(tally.byStatus, status)
  if (verdict.problems.length === 0) tally.passed++
  else {
    tally.failed++
    g.failed++
    tally.failures.push(verdict)
  }
  tally.byGroup.set(group, g)
  if (verdict.logto === "same") tally.logto.same++
  else if (verdict.logto === "differs") bump(tally.logto.differs, logtoWhy ?? "?")
  else bump(tally.logto.skipped, logtoWhy ?? "?")
}

const isMember = (organizationId: string, memberId: string) => members.get(organizationId)?.has(memberId) ?? false

const describeBody = (body: Uint8Array | undefined): string => {
  if (body === undefined) return ""
  const text = new TextDecoder("utf-8", { fatal: false }).decode(body.subarray(0, 160))
  return ` body(${body.byteLength} bytes)=${JSON.stringify(text)}${body.byteLength > 160 ? "…" : ""}`
}

const shortTarget = (target: string) =>
  target.length > 200 ? `${target.slice(0, 200)}…(${target.length} chars)` : target

/** A one-line description of a case (for failure reports). */
export const describe = (c: Case): string => {
  const auth =
    c.auth._tag === "Key"
      ? `key=${c.auth.key}`
      : c.auth._tag === "None"
        ? "no auth"
        : `authorization=${JSON.stringify(c.auth.value)}`
  const headers = (c.headers ?? [])
    .map(([n, v]) => `${n}: ${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`)
    .join("; ")
  return `${c.method} ${shortTarget(c.target)} [${auth}${headers === "" ? "" : `; ${headers}`}]${c.chunkBytes === undefined ? "" : " chunked"}${describeBody(c.body)}`
}

/** The request as sent to the proxy, or straight to the fake with its token. */
const outgoing = (c: Case, to: "proxy" | "fake"): Outgoing => {
  const authorization =
    c.auth._tag === "None"
      ? undefined
      : c.auth._tag === "Header"
        ? c.auth.value
        : `Bearer ${to === "proxy" ? keys[c.auth.key].key : directToken}`
  return {
    method: c.method,
    target: c.target,
    headers: [
      ...(authorization === undefined ? [] : [["authorization", authorization] as const]),
      ...(c.headers ?? [])
    ],
    ...(c.body === undefined ? {} : { body: c.body }),
    ...(c.chunkBytes === undefined ? {} : { chunkBytes: c.chunkBytes })
  }
}

const usableRequestId = /^[\x21-\x7e]{1,200}$/

/** Problems with the shape of an answer: 4xx, Logto-shaped body, request id, no injected header. */
const shapeProblems = (
  answer: Incoming,
  options: { readonly isHead: boolean; readonly requestId: string | undefined }
): Array<string> => {
  const problems: Array<string> = []
  if (answer.status === 0) return [`no answer (${answer.error ?? "connection closed"})`]
  if (answer.status >= 500) problems.push(`a ${answer.status} (5xx)`)
  else if (answer.status < 400) problems.push(`status ${answer.status}, not a 4xx`)
  const type = answer.headers["content-type"]
  const text = answer.body.toString("utf8")
  if (options.isHead) {
    if (answer.body.byteLength > 0) problems.push("a HEAD answer with a body")
  } else if (type === textType) {
    const ok =
      (answer.status === 404 && text === "Not Found") ||
      (answer.status === 405 && text === "Method Not Allowed" && (answer.headers["allow"] ?? "") !== "")
    if (!ok) problems.push(`a plain-text ${answer.status} that is not Koa's (${JSON.stringify(text.slice(0, 80))})`)
  } else if (type === jsonType) {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      problems.push(`invalid JSON body ${JSON.stringify(text.slice(0, 80))}`)
    }
    if (body !== undefined) {
      const o = body as Record<string, unknown>
      const keysOk =
        typeof o === "object" &&
        o !== null &&
        !Array.isArray(o) &&
        Object.keys(o).every((k) => ["code", "message", "data", "details"].includes(k))
      const messageOk = typeof o?.["message"] === "string"
      const codeOk = typeof o?.["code"] === "string" || (answer.status === 400 && Object.keys(o).length === 1)
      const detailsOk = o?.["details"] === undefined || typeof o["details"] === "string"
      if (!(keysOk && messageOk && codeOk && detailsOk))
        problems.push(`a JSON body that is not Logto-shaped: ${text.slice(0, 120)}`)
    }
  } else {
    problems.push(
      `content type ${JSON.stringify(type)} with body ${JSON.stringify(text.slice(0, 80))} (not Logto-shaped)`
    )
  }
  const id = answer.headers["x-request-id"]
  if (id === undefined) problems.push("no x-request-id")
  else if (options.requestId !== undefined && usableRequestId.test(options.requestId) && id !== options.requestId)
    problems.push(`x-request-id ${JSON.stringify(id)} instead of the caller's ${JSON.stringify(options.requestId)}`)
  else if (options.requestId !== undefined && !usableRequestId.test(options.requestId) && id === options.requestId)
    problems.push(`an unusable x-request-id echoed: ${JSON.stringify(id)}`)
  else if (!usableRequestId.test(id)) problems.push(`x-request-id ${JSON.stringify(id)} is not printable ASCII`)
  for (const injected of ["set-cookie", "x-injected"])
    if (answer.headers[injected] !== undefined) problems.push(`a ${injected} header in the answer`)
  return problems
}

const sameAnswer = (
  what: string,
  actual: Incoming,
  wanted: {
    readonly status: number
    readonly contentType: string | undefined
    readonly body?: string
    readonly allow?: string | undefined
  },
  isHead: boolean
): Array<string> => {
  const problems: Array<string> = []
  if (actual.status !== wanted.status) problems.push(`${what}: status ${actual.status}, expected ${wanted.status}`)
  if (actual.headers["content-type"] !== wanted.contentType)
    problems.push(
      `${what}: content-type ${JSON.stringify(actual.headers["content-type"])}, expected ${JSON.stringify(wanted.contentType)}`
    )
  if (!isHead && wanted.body !== undefined) {
    const text = actual.body.toString("utf8")
    if (text !== wanted.body)
      problems.push(
        `${what}: body ${JSON.stringify(text.slice(0, 300))}, expected ${JSON.stringify(wanted.body.slice(0, 300))}`
      )
  }
  if (wanted.allow !== undefined && actual.headers["allow"] !== wanted.allow)
    problems.push(`${what}: allow ${JSON.stringify(actual.headers["allow"])}, expected ${JSON.stringify(wanted.allow)}`)
  return problems
}

const upstreamPaths = (stack: Stack) => stack.fake.fake.requests().map((r) => `${r.method} ${r.path}`)

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The same segments once decoded: the encoding of the proxy's upstream path is its own business. */
const sameSegments = (a: string, b: string) => {
  const x = a.split("/").map(decodeSegment)
  const y = b.split("/").map(decodeSegment)
  return x.length === y.length && x.every((s, i) => s === y[i])
}

const isRoutePath = (path: string) => RouteTable.match("GET", path)._tag !== "NotFound"

/** The two HTTP clients of a run (keep-alive, one request at a time each). */
export interface Clients {
  readonly proxy: Client
  readonly fake: Client
  readonly timeoutMs: number
}

/** Opens the clients. */
export const openClients = (stack: Stack, timeoutMs: number): Clients & { close: () => void } => {
  const proxy = httpClient(stack.proxy.url)
  const fake = httpClient(stack.fake.url)
  return { proxy, fake, timeoutMs, close: () => (proxy.close(), fake.close()) }
}

/** The proxy's unexpected-error log lines written since `from`, as problems. */
const loggedErrors = (stack: Stack, from: number): Array<string> =>
  stack.errorLines
    .slice(from)
    .map((line) =>
      `the proxy logged an error: ${String(line["msg"])} ${String(line["error"] ?? line["code"] ?? "")}`.slice(0, 300)
    )

/** Sends a bad request (one the oracle rejects) and judges it. */
export const runCase = async (stack: Stack, clients: Clients, tally: Tally, c: Case): Promise<void> => {
  const exp = expected(c)
  const request = describe(c)
  if (exp._tag === "Defer") return runDeferred(stack, clients, tally, c, exp)
  if (exp._tag !== "Reject") {
    record(
      tally,
      { label: c.label, request, problems: ["the oracle says this request is valid: not bad input"], logto: "skipped" },
      0,
      "not bad input"
    )
    return
  }
  const isHead = c.method === "HEAD"
  const errorsBefore = stack.errorLines.length
  stack.fake.fake.clearRequests()
  const answer = await clients.proxy.send(outgoing(c, "proxy"), clients.timeoutMs)
  const reached = upstreamPaths(stack)
  const problems = shapeProblems(answer, { isHead, requestId: headerOf(c, "x-request-id") })
  if (answer.status !== 0)
    problems.push(
      ...sameAnswer(
        "proxy",
        answer,
        { status: exp.status, contentType: exp.contentType, body: exp.body, allow: exp.allow },
        isHead
      )
    )
  if (reached.length > 0) problems.push(`forwarded to the fake although rejected: ${reached.join(", ").slice(0, 300)}`)
  // The same request straight to the fake: Logto's answer.
  const logto = logtoAnswer(c, exp, isMember)
  let compared: Verdict["logto"] = "skipped"
  if (logto._tag !== "Skip" && answer.status !== 0) {
    const direct = await clients.fake.send(outgoing(c, "fake"), clients.timeoutMs)
    stack.fake.fake.clearRequests()
    if (logto._tag === "Same") {
      compared = "same"
      problems.push(
        ...sameAnswer(
          "the fake answers differently",
          direct,
          {
            status: answer.status,
            contentType: answer.headers["content-type"],
            body: answer.body.toString("utf8"),
            allow: answer.headers["allow"]
          },
          isHead
        )
      )
    } else {
      compared = "differs"
      problems.push(...sameAnswer(`the fake (${logto.why})`, direct, logto, isHead))
    }
  }
  problems.push(...loggedErrors(stack, errorsBefore))
  record(
    tally,
    { label: c.label, request, problems, logto: compared },
    answer.status,
    logto._tag === "Same" ? undefined : logto.why
  )
}

/**
 * An invalid request on a per-member role route: the proxy passes it on once, and the caller gets
 * Logto's (the fake's) answer — 422 for a non-member — or, where Logto answers a member's mistake
 * with a 500, the proxy's 400 instead.
 */
const runDeferred = async (
  stack: Stack,
  clients: Clients,
  tally: Tally,
  c: Case,
  exp: Extract<Expected, { _tag: "Defer" }>
): Promise<void> => {
  const request = describe(c)
  const isHead = c.method === "HEAD"
  const errorsBefore = stack.errorLines.length
  stack.fake.fake.clearRequests()
  const answer = await clients.proxy.send(outgoing(c, "proxy"), clients.timeoutMs)
  const reached = stack.fake.fake.requests().filter((r) => r.path !== "/oidc/token")
  const problems = shapeProblems(answer, { isHead, requestId: headerOf(c, "x-request-id") })
  if (reached.length !== 1)
    problems.push(`${reached.length} upstream requests, expected 1 (Logto checks membership first)`)
  const direct = await clients.fake.send(outgoing(c, "fake"), clients.timeoutMs)
  stack.fake.fake.clearRequests()
  if (answer.status !== 0) {
    const wanted =
      direct.status >= 500
        ? exp.instead
        : {
            status: direct.status,
            contentType: direct.headers["content-type"],
            body: direct.body.toString("utf8"),
            allow: direct.headers["allow"]
          }
    problems.push(...sameAnswer("proxy (Logto's answer)", answer, wanted, isHead))
  }
  problems.push(...loggedErrors(stack, errorsBefore))
  record(tally, { label: c.label, request, problems, logto: "same" }, answer.status, undefined)
}

/** Sends a request the proxy must pass on and checks that the caller gets Logto's (the fake's) 4xx. */
export const runForwarded = async (stack: Stack, clients: Clients, tally: Tally, f: Forwarded): Promise<void> => {
  const c = f.case
  const exp: Expected = expected(c)
  const request = describe(c)
  const problems: Array<string> = []
  if (exp._tag === "Reject") problems.push(`the oracle says the proxy rejects it (${exp.status})`)
  const errorsBefore = stack.errorLines.length
  stack.fake.fake.clearRequests()
  const answer = await clients.proxy.send(outgoing(c, "proxy"), clients.timeoutMs)
  const reached = stack.fake.fake.requests().filter((r) => r.path !== "/oidc/token")
  problems.push(...shapeProblems(answer, { isHead: false, requestId: undefined }))
  if (reached.length !== 1) problems.push(`${reached.length} upstream requests, expected 1`)
  for (const r of reached) {
    if (!isRoutePath(r.path))
      problems.push(`an upstream request outside the 36 routes: ${r.method} ${r.path.slice(0, 200)}`)
    if (r.method !== c.method || !sameSegments(r.path, f.upstreamPath))
      problems.push(`upstream ${r.method} ${shortTarget(r.path)}, expected ${c.method} ${shortTarget(f.upstreamPath)}`)
  }
  const direct = await clients.fake.send(outgoing(c, "fake"), clients.timeoutMs)
  stack.fake.fake.clearRequests()
  problems.push(
    ...sameAnswer(
      "not Logto's answer",
      answer,
      {
        status: direct.status,
        contentType: direct.headers["content-type"],
        body: direct.body.toString("utf8")
      },
      false
    )
  )
  problems.push(...loggedErrors(stack, errorsBefore))
  record(tally, { label: c.label, request, problems, logto: "same" }, answer.status)
}

const authorizationLine = (to: "proxy" | "fake") =>
  `Authorization: Bearer ${to === "proxy" ? keys.admin.key : directToken}\r\n`

const describeRaw = (bytes: Uint8Array | ReadonlyArray<Uint8Array>) => {
  const all = bytes instanceof Uint8Array ? bytes : Buffer.concat(bytes.map((b) => Buffer.from(b)))
  const text = Buffer.from(all.subarray(0, 200)).toString("latin1")
  return `raw ${all.byteLength} bytes: ${JSON.stringify(text)}${all.byteLength > 200 ? "…" : ""}`
}

/** Sends raw bytes to the proxy (and, for parser-level refusals, to the fake) and judges the answer. */
export const runRaw = async (stack: Stack, tally: Tally, r: Raw, timeoutMs: number): Promise<void> => {
  const bytes = r.bytes(authorizationLine("proxy"))
  const request = describeRaw(bytes)
  const errorsBefore = stack.errorLines.length
  stack.fake.fake.clearRequests()
  const hangUp = r.expect._tag === "HangUp"
  const answer = await rawExchange(stack.proxy.url, bytes, { timeoutMs, isHead: r.isHead ?? false, hangUp })
  const reached = upstreamPaths(stack)
  const problems: Array<string> = []
  let compared: Verdict["logto"] = "skipped"
  switch (r.expect._tag) {
    case "Parser": {
      // Node refuses it before any code of the proxy runs, as it does in front of Logto.
      const direct = await rawExchange(stack.fake.url, r.bytes(authorizationLine("fake")), {
        timeoutMs,
        isHead: r.isHead ?? false
      })
      compared = "same"
      if (
        answer.status !== direct.status ||
        !answer.body.equals(direct.body) ||
        answer.closedWithoutAnswer !== direct.closedWithoutAnswer
      )
        problems.push(
          `not the answer of Logto's Node server (the fake's): ${answer.status} ${JSON.stringify(answer.body.toString("latin1").slice(0, 80))} vs ${direct.status} ${JSON.stringify(direct.body.toString("latin1").slice(0, 80))}`
        )
      if (answer.status !== 0 && (answer.status < 400 || answer.status >= 500))
        problems.push(`status ${answer.status}, not a 4xx`)
      if (answer.status === 0 && !answer.closedWithoutAnswer) problems.push(`a broken answer: ${answer.error ?? ""}`)
      break
    }
    case "HangUp":
      break
    case "Shaped":
      problems.push(...shapeProblems(answer, { isHead: r.isHead ?? false, requestId: undefined }))
      break
    case "App": {
      const c = r.expect.equivalent
      const exp = expected(c)
      problems.push(...shapeProblems(answer, { isHead: r.isHead ?? false, requestId: headerOf(c, "x-request-id") }))
      if (exp._tag === "Reject" && answer.status !== 0)
        problems.push(
          ...sameAnswer(
            "proxy",
            answer,
            { status: exp.status, contentType: exp.contentType, body: exp.body, allow: exp.allow },
            r.isHead ?? false
          )
        )
      if (exp._tag !== "Reject") problems.push("the equivalent request is not refused by the proxy: not bad input")
      break
    }
  }
  if (reached.length > 0) problems.push(`reached the fake: ${reached.join(", ").slice(0, 300)}`)
  // The socket is gone: give the proxy a moment to notice, then look at its error log.
  await new Promise((resolve) => setTimeout(resolve, hangUp ? 100 : 25))
  problems.push(...loggedErrors(stack, errorsBefore))
  record(
    tally,
    { label: r.label, request, problems, logto: compared },
    answer.status,
    compared === "same" ? undefined : "raw"
  )
}

/**
 * A valid read and a valid (idempotent) write through the proxy: the read is answered exactly as
 * the fake answers it; the write reaches the fake, as its request log — read over HTTP with
 * `GET /__orgkit/requests` — shows. That write is the positive control of the "nothing forwarded"
 * checks: the log does see what the proxy forwards.
 */
export const probe = async (stack: Stack, clients: Clients): Promise<Array<string>> => {
  const problems: Array<string> = []
  const asAdmin = ["authorization", `Bearer ${keys.admin.key}`] as const
  const asFake = ["authorization", `Bearer ${directToken}`] as const
  const read = `/api/organizations/${Demo.ids.organizations.acme}/users?page=1&page_size=1`
  const viaProxy = await clients.proxy.send({ method: "GET", target: read, headers: [asAdmin] }, clients.timeoutMs)
  const direct = await clients.fake.send({ method: "GET", target: read, headers: [asFake] }, clients.timeoutMs)
  if (viaProxy.status !== 200)
    problems.push(`valid read: status ${viaProxy.status} ${viaProxy.body.toString("utf8").slice(0, 200)}`)
  if (!viaProxy.body.equals(direct.body)) problems.push("valid read: body differs from the fake's")
  if (viaProxy.headers["total-number"] !== direct.headers["total-number"])
    problems.push("valid read: total-number differs")
  stack.fake.fake.clearRequests()
  const write = `/api/organizations/${Demo.ids.organizations.initech}/jit/roles`
  const written = await clients.proxy.send(
    {
      method: "PUT",
      target: write,
      headers: [asAdmin, ["content-type", "application/json"]],
      body: new TextEncoder().encode('{"organizationRoleIds":[]}')
    },
    clients.timeoutMs
  )
  if (written.status !== 204)
    problems.push(`valid write: status ${written.status} ${written.body.toString("utf8").slice(0, 200)}`)
  const log = await clients.fake.send(
    { method: "GET", target: "/__orgkit/requests", headers: [asFake] },
    clients.timeoutMs
  )
  const seen = (JSON.parse(log.body.toString("utf8")) as { requests: Array<{ method: string; path: string }> }).requests
    .filter((r) => r.path !== "/oidc/token")
    .map((r) => `${r.method} ${r.path}`)
  if (seen.join() !== `PUT ${write}`)
    problems.push(`the fake's request log shows ${JSON.stringify(seen)} for one forwarded write`)
  stack.fake.fake.clearRequests()
  return problems
}
