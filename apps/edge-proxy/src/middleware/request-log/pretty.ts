/**
 * The log for people: one short line per log object, for a terminal (local runs). Request lines read
 * `12:00:01.234 200 GET /api/organizations ListOrganizations key=admin MISS 117 ms (Logto 1× 83 ms)`;
 * other lines `12:00:01.234 WARN message key=value …`. Production logs stay JSON.
 */
import type { LogSink } from "../../ports.ts"
import type { RequestRecord } from "./request-log.ts"

const clock = (time: unknown): string =>
  typeof time === "string" && time.length >= 23 ? time.slice(11, 23) : new Date().toISOString().slice(11, 23)

const value = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v))

/** One log object as a line of text (no newline). */
export const prettyLine = (line: Readonly<Record<string, unknown>>): string => {
  if (line["msg"] === "request" && typeof line["status"] === "number") {
    const r = line as RequestRecord
    const parts = [clock(r.time), String(r.status), r.method, r.path]
    if (r.operationId !== undefined) parts.push(r.operationId)
    if (r.keyId !== undefined) parts.push(`key=${r.keyId}`)
    if (r.code !== undefined) parts.push(r.code)
    if (r.cache !== undefined) parts.push(r.cache)
    if (r.audit !== undefined) parts.push(`audit=${r.audit}`)
    parts.push(`${r.durationMs} ms`)
    if (r.upstream !== undefined && r.upstream.requests > 0) {
      parts.push(
        `(Logto ${r.upstream.requests}× ${r.upstream.ms} ms${r.upstream.tokenRefreshed ? ", token refreshed" : ""})`
      )
    }
    return parts.join(" ")
  }
  const { time, level, msg, ...rest } = line
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
  return [clock(time), String(level ?? "info").toUpperCase(), value(msg ?? ""), ...fields].join(" ")
}

/**
 * A sink that writes `prettyLine`s as text through `write` (one call per line, newline added).
 *
 * @example
 * const log = process.stdout.isTTY ? prettyLines((text) => process.stdout.write(text)) : jsonSink
 */
export const prettyLines =
  (write: (text: string) => void): LogSink =>
  (line) =>
    write(`${prettyLine(line)}\n`)
