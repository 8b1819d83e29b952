import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Jit, LogtoError, Member, Organization, Payload, Role } from "../src/index.ts"

const decode = <S extends Schema.Top>(schema: S) =>
  Schema.decodeUnknownSync(schema as unknown as Schema.Decoder<S["Type"]>)

const organization = {
  tenantId: "default",
  id: "zuq7ihfxbw8d",
  name: "Acme",
  description: null,
  customData: { plan: "pro", limits: { seats: 10 } },
  isMfaRequired: false,
  color: { primaryColor: "#ABCDEF", isDarkModeEnabled: true },
  branding: { logoUrl: "https://cdn.example/logo.png" },
  customCss: null,
  createdAt: 1732871234567
}

const user = {
  id: "u9x2k4p7q1m3",
  username: "ada",
  primaryEmail: "ada@example.com",
  primaryPhone: null,
  name: "Ada Lovelace",
  avatar: null,
  customData: {},
  identities: { google: { userId: "1234", details: { email: "ada@example.com" } } },
  lastSignInAt: 1732871234567,
  createdAt: 1732000000000,
  updatedAt: 1732871234567,
  profile: { givenName: "Ada", address: { country: "UK" } },
  applicationId: null,
  isSuspended: false,
  organizationRoles: [{ id: "r".repeat(21), name: "admin" }]
}

const application = {
  tenantId: "default",
  id: "a1b2c3d4e5f6g7h8i9j0k",
  name: "Billing worker",
  description: null,
  type: "MachineToMachine",
  oidcClientMetadata: { redirectUris: [], postLogoutRedirectUris: [] },
  customClientMetadata: {},
  protectedAppMetadata: null,
  customData: {},
  isThirdParty: false,
  appLevelAccessControlEnabled: false,
  createdAt: 1732000000000,
  organizationRoles: []
}

describe("response models", () => {
  it("decode realistic Logto responses", () => {
    expect(decode(Organization.Organization)(organization)).toEqual(organization)
    expect(decode(Member.OrganizationUser)(user)).toEqual(user)
    expect(decode(Member.OrganizationApplication)(application)).toEqual(application)
    expect(
      decode(Role.OrganizationRole)({ tenantId: "default", id: "r1", name: "admin", description: null, type: "User" })
    ).toMatchObject({ type: "User" })
    expect(
      decode(Jit.SsoConnector)({
        tenantId: "default",
        id: "c1b2c3d4e5f6",
        providerName: "OIDC",
        connectorName: "Okta",
        config: { issuer: "https://okta" },
        domains: ["corp.example"],
        branding: {},
        syncProfile: false,
        enableTokenStorage: false,
        createdAt: 1
      })
    ).toMatchObject({ config: { issuer: "https://okta" } })
  })

  it("decode leniently: fields a newer Logto adds are dropped, cimdClientId is kept", () => {
    const newer = { ...user, cimdClientId: "cimd-1", somethingNew: 1 }
    expect(decode(Member.OrganizationUser)(newer)).toEqual({ ...user, cimdClientId: "cimd-1" })
    expect(decode(Organization.Organization)({ ...organization, isTrustedDeviceAllowed: true })).toEqual(organization)
  })

  it("decode the featured variant with and without the extra keys", () => {
    const featured = { ...organization, usersCount: 6, featuredUsers: [{ id: "u1", avatar: null, name: "Ada" }] }
    expect(decode(Organization.OrganizationWithFeatured)(featured)).toEqual(featured)
    expect(decode(Organization.OrganizationWithFeatured)(organization)).toEqual(organization)
  })

  it("reject a response missing a required field, naming it", () => {
    const { createdAt: _, ...broken } = organization
    expect(() => decode(Organization.Organization)(broken)).toThrow(/createdAt/)
  })
})

describe("request payloads", () => {
  it("reject invalid input with a message naming the field", () => {
    expect(() => decode(Organization.CreateOrganization)({ name: "x".repeat(129) })).toThrow(
      /at most 128[\s\S]*\["name"\]/
    )
    expect(() => decode(Organization.CreateOrganization)({ name: "a", color: { primaryColor: "red" } })).toThrow(
      /\["color"\]\["primaryColor"\]/
    )
    expect(() => decode(Organization.UpdateOrganization)({ customData: null })).toThrow(/\["customData"\]/)
    expect(() => decode(Payload.AddUsers)({ userIds: ["a", ""] })).toThrow(/\["userIds"\]\[1\]/)
    expect(() => decode(Payload.RoleIds)({ organizationRoleIds: [] })).toThrow(/\["organizationRoleIds"\]/)
    expect(() => decode(Payload.CreateEmailDomain)({ emailDomain: 3 })).toThrow(/\["emailDomain"\]/)
  })

  it("accept null descriptions and drop unknown keys", () => {
    expect(decode(Organization.CreateOrganization)({ name: "a", description: null, id: "ignored", foo: 1 })).toEqual({
      name: "a",
      description: null
    })
    expect(decode(Organization.UpdateOrganization)({ createdAt: 1000, isTrustedDeviceAllowed: false })).toEqual({
      createdAt: 1000
    })
  })
})

describe("LogtoError", () => {
  it("carries Logto's body and a tag for catchTag, without a _tag on the wire", () => {
    const error = new LogtoError.NotFound(LogtoError.body(LogtoError.codes.notFound))
    expect(error._tag).toBe("NotFound")
    expect(error.code).toBe("entity.not_found")
    expect(error.message).toBe("The resource does not exist.")
    const encoded = Schema.encodeSync(LogtoError.NotFound as unknown as Schema.Codec<LogtoError.NotFound, unknown>)(
      error
    )
    expect(encoded).toEqual({ code: "entity.not_found", message: "The resource does not exist." })
  })

  it("decodes the message-only 400 of a malformed JSON body", () => {
    const error = decode(LogtoError.BadRequest)({ message: "Unexpected token" })
    expect(error.code).toBeUndefined()
  })

  it("builds Logto's messages with interpolation", () => {
    expect(LogtoError.notExistsWithId("abc").message).toBe("The organizations with ID `abc` does not exist.")
    expect(LogtoError.roleNamesNotFound(["x"]).message).toMatch(/^Invalid role names detected: x\. /)
    expect(LogtoError.roleNamesNotFound(["x", "y"]).message).toMatch(/detected: x and y\. /)
    expect(LogtoError.roleNamesNotFound(["x", "y", "z"]).message).toMatch(/detected: x, y, and z\. /)
  })
})
