/**
 * `GET /openapi.json`: core's OpenAPI document with the proxy as its server and the bearer scheme.
 */
import { OpenApiDocument } from "@orgkit/core"

/**
 * Serves the document for a proxy origin. The document is built once, on first use (not at
 * startup, which Workers bound); only the `servers` entry differs per origin, and a few serialized
 * copies are kept.
 */
export const openApiJson = (): ((origin: string) => string) => {
  let base: ReturnType<typeof OpenApiDocument.make> | undefined
  const byOrigin = new Map<string, string>()
  return (origin) => {
    let json = byOrigin.get(origin)
    if (json === undefined) {
      base ??= OpenApiDocument.make({ bearer: true })
      json = JSON.stringify({ ...base, servers: [{ url: origin }] })
      if (byOrigin.size >= 8) byOrigin.clear()
      byOrigin.set(origin, json)
    }
    return json
  }
}
