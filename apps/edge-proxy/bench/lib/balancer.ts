/**
 * A round-robin load balancer in front of several proxy processes, as an operator's (Kubernetes
 * Service, nginx upstream) would be: each request goes whole to the next replica.
 */
import http from "node:http"
import type { AddressInfo } from "node:net"

export interface Balancer {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Listens on a free loopback port and spreads requests over `targets` (origins) in turn. */
export const startBalancer = async (targets: ReadonlyArray<string>): Promise<Balancer> => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  let next = 0
  const server = http.createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]!)
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on("error", () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Audited writes (PATCH of an organization's description) from `concurrency` callers for `seconds`. */
export const writeLoad = async (options: {
  readonly url: string
  readonly key: string
  readonly organizations: ReadonlyArray<string>
  readonly concurrency: number
  readonly seconds: number
}): Promise<{ readonly acked: number; readonly failed: number; readonly perSecond: number }> => {
  const until = performance.now() + options.seconds * 1000
  let acked = 0
  let failed = 0
  let n = 0
  const caller = async () => {
    while (performance.now() < until) {
      const org = options.organizations[n++ % options.organizations.length]!
      const response = await fetch(`${options.url}/api/organizations/${org}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${options.key}`, "content-type": "application/json" },
        body: JSON.stringify({ description: `bench ${n}` })
      }).catch(() => undefined)
      await response?.arrayBuffer()
      if (response?.status === 200) acked++
      else failed++
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: options.concurrency }, caller))
  return { acked, failed, perSecond: acked / ((performance.now() - t0) / 1000) }
}
