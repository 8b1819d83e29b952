/**
 * The organization model and the bodies that create and update it.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BodyNumber, Bounded, HexColor, JsonObject, JsonObjectBody, Url } from "./internal/strings.ts"

/**
 * An organization id: 12 characters of `[0-9a-z]` when Logto creates it, at most 21 when stored.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationId = Schema.String.check(Schema.isMinLength(1)).annotate({
  description: "The unique identifier of the organization."
})

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationId = typeof OrganizationId.Type

/**
 * Brand colors. Unknown keys are dropped.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Color = Schema.Struct({
  primaryColor: Schema.optionalKey(HexColor),
  isDarkModeEnabled: Schema.optionalKey(Schema.Boolean),
  darkPrimaryColor: Schema.optionalKey(HexColor)
}).annotate({ identifier: "OrganizationColor" })

/**
 * Logos and favicons: absolute URLs of any scheme. Unknown keys are dropped.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Branding = Schema.Struct({
  logoUrl: Schema.optionalKey(Url),
  darkLogoUrl: Schema.optionalKey(Url),
  favicon: Schema.optionalKey(Url),
  darkFavicon: Schema.optionalKey(Url)
}).annotate({ identifier: "OrganizationBranding" })

const organizationFields = {
  tenantId: Schema.String,
  id: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  customData: JsonObject,
  isMfaRequired: Schema.Boolean,
  color: Schema.Struct({
    primaryColor: Schema.optionalKey(Schema.String),
    isDarkModeEnabled: Schema.optionalKey(Schema.Boolean),
    darkPrimaryColor: Schema.optionalKey(Schema.String)
  }),
  branding: Schema.Struct({
    logoUrl: Schema.optionalKey(Schema.String),
    darkLogoUrl: Schema.optionalKey(Schema.String),
    favicon: Schema.optionalKey(Schema.String),
    darkFavicon: Schema.optionalKey(Schema.String)
  }),
  customCss: Schema.NullOr(Schema.String),
  createdAt: Schema.Number
}

/**
 * An organization as Logto returns it. Responses decode leniently: the constraints of the request
 * bodies are not re-checked and keys a newer Logto adds are dropped.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Organization = Schema.Struct(organizationFields).annotate({ identifier: "Organization" })

/**
 * @category models
 * @since 0.1.0
 */
export type Organization = typeof Organization.Type

/**
 * One of at most three members shown with `showFeatured`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const FeaturedUser = Schema.Struct({
  id: Schema.String,
  avatar: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String)
}).annotate({ identifier: "FeaturedUser" })

/**
 * @category models
 * @since 0.1.0
 */
export type FeaturedUser = typeof FeaturedUser.Type

/**
 * An item of ListOrganizations: `usersCount` and `featuredUsers` are present only when
 * `showFeatured` is truthy.
 *
 * @category schemas
 * @since 0.1.0
 */
export const OrganizationWithFeatured = Schema.Struct({
  ...organizationFields,
  usersCount: Schema.optionalKey(Schema.Number),
  featuredUsers: Schema.optionalKey(Schema.Array(FeaturedUser))
}).annotate({ identifier: "OrganizationWithFeatured" })

/**
 * @category models
 * @since 0.1.0
 */
export type OrganizationWithFeatured = typeof OrganizationWithFeatured.Type

const writableFields = {
  tenantId: Schema.optionalKey(Bounded(0, 21)),
  description: Schema.optionalKey(Schema.NullOr(Bounded(0, 256))),
  customData: Schema.optionalKey(JsonObjectBody),
  isMfaRequired: Schema.optionalKey(Schema.Boolean),
  color: Schema.optionalKey(Color),
  branding: Schema.optionalKey(Branding),
  customCss: Schema.optionalKey(Schema.NullOr(Schema.String)),
  createdAt: Schema.optionalKey(BodyNumber)
}

/**
 * CreateOrganization's body. `tenantId` and `createdAt` pass validation but Logto ignores them;
 * `""` for `description` or `customCss` is stored as `null`.
 *
 * @category schemas
 * @since 0.1.0
 */
export const CreateOrganization = Schema.Struct({
  ...writableFields,
  name: Bounded(1, 128).annotate({ description: "The name of the organization." })
}).annotate({ identifier: "CreateOrganization" })

/**
 * @category models
 * @since 0.1.0
 */
export type CreateOrganization = typeof CreateOrganization.Type

/**
 * UpdateOrganization's body: every key optional; `customData`, `color` and `branding` replace the
 * stored value wholesale; `createdAt` is applied. Logto 1.42.0 typed an `id` key that today's Logto
 * drops; it is accepted and ignored.
 *
 * @category schemas
 * @since 0.1.0
 */
export const UpdateOrganization = Schema.Struct({
  ...writableFields,
  name: Schema.optionalKey(Bounded(1, 128)),
  // Typed as in 1.42.0 but not length-checked: today's Logto strips `id` before validating.
  id: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "UpdateOrganization" })

/**
 * @category models
 * @since 0.1.0
 */
export type UpdateOrganization = typeof UpdateOrganization.Type
