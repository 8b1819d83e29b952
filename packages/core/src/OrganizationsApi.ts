/**
 * The one `HttpApi` of Logto's 36 Organizations operations, in four groups.
 *
 * @since 0.1.0
 */
import * as HttpApi from "effect/http-api/HttpApi"
import * as OpenApi from "effect/http-api/OpenApi"
import { OrganizationApplicationsGroup } from "./OrganizationApplicationsGroup.ts"
import { OrganizationJitGroup } from "./OrganizationJitGroup.ts"
import { OrganizationsGroup } from "./OrganizationsGroup.ts"
import { OrganizationUsersGroup } from "./OrganizationUsersGroup.ts"

/**
 * `organizations`, `users`, `applications`, `jit`: every endpoint carries Logto's operationId.
 *
 * @category models
 * @since 0.1.0
 */
export class OrganizationsApi extends HttpApi.make("logto-organizations")
  .add(OrganizationsGroup, OrganizationUsersGroup, OrganizationApplicationsGroup, OrganizationJitGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "Logto Management API: Organizations",
      version: "1.42.0",
      description: "The 36 Organizations operations of Logto's Management API, as Logto serves them today."
    })
  ) {}
