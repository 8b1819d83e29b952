/**
 * The dependency map as data and as README.md's table (docs and tests only: the Worker does not
 * bundle it). Derived from core's route metadata with the same rules the cache applies
 * (`dependencies.ts`).
 */
import { RouteTable } from "@orgkit/core"
import { changesList, listTag } from "./dependencies.ts"

/** The read of the organizations list (the one route whose subject is every organization). */
const listRoute = RouteTable.routes.find((route) => route.subject === "organizations" && route.kind === "read")!

/** One row of the dependency map. */
export interface Dependency {
  readonly operationId: RouteTable.OperationId
  readonly kind: "read" | "write"
  readonly method: string
  readonly template: string
  /** Reads: the tag they are stored under. Writes: the tags they invalidate. */
  readonly tags: ReadonlyArray<string>
  /** Writes: the read operations they invalidate (all of the organization's, and the list when `orgs`). */
  readonly invalidatedReads: ReadonlyArray<string>
}

const templateTag = (route: RouteTable.Route): string =>
  route.organizationParam === undefined ? listTag : `org:{${route.organizationParam}}`

const reads = RouteTable.routes.filter((r) => r.kind === "read")

/** The whole map, in route-table order: every read with its tag, every write with what it invalidates. */
export const dependencies: ReadonlyArray<Dependency> = RouteTable.routes.map((route) => {
  if (route.kind === "read") {
    return {
      operationId: route.operationId,
      kind: route.kind,
      method: route.method,
      template: route.template,
      tags: [templateTag(route)],
      invalidatedReads: []
    }
  }
  const tags = [
    ...(route.organizationParam === undefined ? [] : [templateTag(route)]),
    ...(changesList(route) ? [listTag] : []),
    ...(route.subject === "new-organization" ? ["org:{created id}"] : [])
  ]
  return {
    operationId: route.operationId,
    kind: route.kind,
    method: route.method,
    template: route.template,
    tags,
    invalidatedReads: reads.filter((r) => tags.includes(templateTag(r))).map((r) => r.operationId)
  }
})

const organizationReads = reads.filter((r) => r.organizationParam !== undefined).map((r) => r.operationId)

/**
 * The map as the Markdown table in README.md (a test keeps the two equal):
 * `node -e 'import("./src/cache/dependency-map.ts").then(m => console.log(m.markdownTable()))'`.
 */
export const markdownTable = (): string => {
  const lines = ["| Write | Invalidates | Reads refetched afterwards |", "| --- | --- | --- |"]
  for (const d of dependencies) {
    if (d.kind === "read") continue
    const own = organizationReads.every((r) => d.invalidatedReads.includes(r))
    const parts = [
      ...(own ? ["all reads of that organization"] : []),
      ...(d.invalidatedReads.includes(listRoute.operationId)
        ? [`${listRoute.operationId} (every page, query and view)`]
        : []),
      ...(RouteTable.byOperationId.get(d.operationId)?.subject === "new-organization"
        ? ["reads of the new organization's id"]
        : [])
    ]
    lines.push(
      `| ${d.operationId} \`${d.method} ${d.template}\` | ${d.tags.map((t) => `\`${t}\``).join(", ")} | ${parts.join("; ")} |`
    )
  }
  lines.push("")
  lines.push(
    `Reads: ListOrganizations is stored under \`orgs\`; ${organizationReads.join(", ")} under \`org:{id}\`. ` +
      "Every entry also depends on `all`."
  )
  return lines.join("\n")
}
