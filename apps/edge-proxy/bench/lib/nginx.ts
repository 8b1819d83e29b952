/**
 * nginx `proxy_cache` in front of a static upstream serving the same JSON: the reference for what a
 * mature cache serves on one core. Debian's nginx, started on loopback by the benchmark.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { hasCommand, type Started, start, waitFor } from "./proc.ts"

export const nginxAvailable = () => hasCommand("nginx") || hasCommand("/usr/sbin/nginx")

export const startNginx = async (options: {
  readonly dir: string
  readonly port: number
  readonly upstreamPort: number
  readonly bodyFile: string
  readonly cpu?: number
}): Promise<Started> => {
  const root = join(options.dir, "nginx")
  mkdirSync(join(root, "cache"), { recursive: true })
  mkdirSync(join(root, "logs"), { recursive: true })
  const conf = join(root, "nginx.conf")
  writeFileSync(
    conf,
    `${process.getuid?.() === 0 ? "user root;\n" : ""}worker_processes 1;
daemon off;
pid ${root}/nginx.pid;
error_log ${root}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; server_tokens off; keepalive_timeout 65; keepalive_requests 1000000;
  client_body_temp_path ${root}/body; proxy_temp_path ${root}/proxy; fastcgi_temp_path ${root}/fcgi;
  uwsgi_temp_path ${root}/uwsgi; scgi_temp_path ${root}/scgi;
  proxy_cache_path ${root}/cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=10m use_temp_path=off;
  upstream origin { server 127.0.0.1:${options.upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${options.upstreamPort};
    location / { default_type "application/json; charset=utf-8"; root ${dirname(options.bodyFile)}; }
  }
  server {
    listen 127.0.0.1:${options.port};
    location / {
      proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache bench; proxy_cache_valid 200 10m; add_header X-Cache $upstream_cache_status;
    }
  }
}
`
  )
  const bin = hasCommand("nginx") ? "nginx" : "/usr/sbin/nginx"
  const started = start("nginx", bin, ["-c", conf, "-p", root], options.cpu === undefined ? {} : { cpu: options.cpu })
  const url = `http://127.0.0.1:${options.port}/${basename(options.bodyFile)}`
  try {
    await waitFor(url)
    for (let i = 0; i < 3; i++) await fetch(url).then((r) => r.arrayBuffer())
    const check = await fetch(url)
    await check.arrayBuffer()
    if (check.headers.get("x-cache") !== "HIT") {
      throw new Error(
        `nginx did not serve a cache HIT (status ${check.status}, x-cache: ${check.headers.get("x-cache")})`
      )
    }
    return started
  } catch (error) {
    await started.stop()
    throw error
  }
}
