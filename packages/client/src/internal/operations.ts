import { RouteTable } from "@orgkit/core"
import * as SchemaAST from "effect/SchemaAST"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"

/** What a successful call resolves to in the Promise API. */
export type ResultKind = "page" | "value" | "empty"

/** One operation, as the Promise facade dispatches it: everything read off core's route table. */
export interface Operation {
  readonly route: RouteTable.Route
  readonly name: string
  readonly group: string
  readonly operationId: string
  readonly pathParams: ReadonlyArray<string>
  readonly hasPayload: boolean
  /** camelCase query key → wire key (`pageSize` → `page_size`); undefined when the endpoint has no query. */
  readonly query: ReadonlyMap<string, string> | undefined
  readonly result: ResultKind
}

const camelCase = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

const queryKeys = (route: RouteTable.Route): ReadonlyMap<string, string> | undefined => {
  const schema = route.endpoint.query
  if (schema === undefined) return undefined
  const ast = SchemaAST.toType(schema.ast)
  if (!SchemaAST.isObjects(ast)) return undefined
  return new Map(ast.propertySignatures.map((p) => [camelCase(String(p.name)), String(p.name)]))
}

const resultKind = (route: RouteTable.Route): ResultKind => {
  const [success] = route.endpoint.success
  if (success === undefined || HttpApiSchema.isNoContent(success.ast)) return "empty"
  if (HttpApiSchema.isWithHeaders(success)) return "page"
  // Logto's six plain-text `Created` answers (a string success) carry nothing worth returning.
  if (SchemaAST.isString(SchemaAST.toType(success.ast))) return "empty"
  return "value"
}

/** Every operation, in core's order. */
export const operations: ReadonlyArray<Operation> = RouteTable.routes.map((route) => ({
  route,
  name: route.name,
  group: route.group,
  operationId: route.operationId,
  pathParams: route.pathParams,
  hasPayload: route.endpoint.payload.size > 0,
  query: queryKeys(route),
  result: resultKind(route)
}))

/** Operations by method name. */
export const byName: ReadonlyMap<string, Operation> = new Map(operations.map((op) => [op.name, op]))
