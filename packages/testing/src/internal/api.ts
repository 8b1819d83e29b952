/**
 * The fake's HttpApi: core's `OrganizationsApi` with the fake's two middlewares on every endpoint,
 * `Authorization` (Logto's bearer check) outside `LogtoRules` (Logto's request rules).
 */
import { type LogtoError, OrganizationsApi } from "@orgkit/core"
import type { HttpApi, HttpApiGroup } from "effect/http-api"
import { Authorization } from "./auth.ts"
import { LogtoRules } from "./rules.ts"

type Groups = typeof OrganizationsApi.OrganizationsApi extends HttpApi.HttpApi<infer _Id, infer G> ? G : never

/** The fake's API type: core's groups, each endpoint with the two middlewares. */
export type FakeApi = HttpApi.HttpApi<
  "logto-organizations",
  HttpApiGroup.AddMiddleware<HttpApiGroup.AddMiddleware<Groups, LogtoRules>, Authorization>
>

/** `OrganizationsApi` as the fake serves it. */
export const FakeApi: FakeApi = OrganizationsApi.OrganizationsApi.middleware(LogtoRules).middleware(Authorization)

export type { LogtoError }
