/**
 * Just-in-time provisioning: email domains and enterprise SSO connectors.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { JsonObject } from "./internal/strings.ts"

/**
 * An email domain whose users join the organization just in time. Stored verbatim, compared
 * case-sensitively.
 *
 * @category schemas
 * @since 0.1.0
 */
export const JitEmailDomain = Schema.Struct({
  tenantId: Schema.String,
  organizationId: Schema.String,
  emailDomain: Schema.String
}).annotate({ identifier: "JitEmailDomain" })

/**
 * @category models
 * @since 0.1.0
 */
export type JitEmailDomain = typeof JitEmailDomain.Type

/**
 * An enterprise SSO connector, as the JIT list returns it: the full row, `config` included.
 *
 * @category schemas
 * @since 0.1.0
 */
export const SsoConnector = Schema.Struct({
  tenantId: Schema.String,
  id: Schema.String,
  providerName: Schema.String,
  connectorName: Schema.String,
  config: JsonObject,
  domains: Schema.Array(Schema.String),
  branding: Schema.Struct({
    displayName: Schema.optionalKey(Schema.String),
    logo: Schema.optionalKey(Schema.String),
    darkLogo: Schema.optionalKey(Schema.String)
  }),
  syncProfile: Schema.Boolean,
  enableTokenStorage: Schema.Boolean,
  createdAt: Schema.Number
}).annotate({ identifier: "SsoConnector" })

/**
 * @category models
 * @since 0.1.0
 */
export type SsoConnector = typeof SsoConnector.Type
