/**
 * A small demo data set and demo credentials: what `orgkit-fake` starts with when given no flags,
 * and what the edge proxy's local start embeds.
 *
 * @since 0.1.0
 */
import type * as Seed from "./Seed.ts"

/**
 * The demo static bearer token.
 *
 * @category constructors
 * @since 0.1.0
 */
export const token = "orgkit-demo-token"

/**
 * The demo machine-to-machine client for `POST /oidc/token`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const client = { clientId: "orgkit-demo-m2m", clientSecret: "orgkit-demo-secret" } as const

/**
 * Ids of the demo objects, for tests and examples.
 *
 * @category constructors
 * @since 0.1.0
 */
export const ids = {
  organizations: { acme: "acmecorp0001", globex: "globexcorp01", initech: "initech00001" },
  users: { alice: "alice0000001", bob: "bob000000001", carol: "carol0000001", dave: "dave00000001" },
  applications: { billing: "billingsync0000000001", portal: "customerportal0000001" },
  roles: {
    admin: "orgroleadmin000000001",
    member: "orgrolemember00000001",
    viewer: "orgroleviewer00000001",
    sync: "orgrolesync0000000001"
  },
  scopes: { read: "orgscoperead000000001", write: "orgscopewrite00000001", invite: "orgscopeinvite0000001" },
  ssoConnectors: { acmeOkta: "acmeokta0001" }
} as const

const createdAt = 1_767_225_600_000

/**
 * The demo data set: three organizations, four users, two applications (one machine-to-machine),
 * four roles over three scopes, one SSO connector.
 *
 * @category constructors
 * @since 0.1.0
 */
export const seed: Seed.Input = {
  organizationScopes: [
    { id: ids.scopes.read, name: "read:data", description: "Read the organization's data" },
    { id: ids.scopes.write, name: "write:data", description: "Change the organization's data" },
    { id: ids.scopes.invite, name: "invite:member", description: "Invite new members" }
  ],
  organizationRoles: [
    {
      id: ids.roles.admin,
      name: "admin",
      description: "Organization administrator",
      organizationScopeIds: [ids.scopes.read, ids.scopes.write, ids.scopes.invite]
    },
    {
      id: ids.roles.member,
      name: "member",
      description: "Regular member",
      organizationScopeIds: [ids.scopes.read, ids.scopes.write]
    },
    { id: ids.roles.viewer, name: "viewer", description: null, organizationScopeIds: [ids.scopes.read] },
    {
      id: ids.roles.sync,
      name: "sync",
      description: "Machine access for data synchronisation",
      type: "MachineToMachine",
      organizationScopeIds: [ids.scopes.read]
    }
  ],
  users: [
    {
      id: ids.users.alice,
      username: "alice",
      primaryEmail: "alice@acme.example",
      name: "Alice Liddell",
      avatar: "https://avatars.example/alice.png",
      createdAt,
      updatedAt: createdAt
    },
    {
      id: ids.users.bob,
      username: "bob",
      primaryEmail: "bob@acme.example",
      name: "Bob Builder",
      createdAt,
      updatedAt: createdAt
    },
    {
      id: ids.users.carol,
      username: "carol",
      primaryEmail: "carol@globex.example",
      primaryPhone: "15550100",
      name: "Carol Danvers",
      createdAt,
      updatedAt: createdAt
    },
    {
      id: ids.users.dave,
      username: "dave",
      primaryEmail: "dave@globex.example",
      name: null,
      createdAt,
      updatedAt: createdAt
    }
  ],
  applications: [
    {
      id: ids.applications.billing,
      name: "Billing sync",
      description: "Nightly billing export",
      type: "MachineToMachine",
      createdAt
    },
    { id: ids.applications.portal, name: "Customer portal", type: "SPA", createdAt }
  ],
  ssoConnectors: [
    {
      id: ids.ssoConnectors.acmeOkta,
      providerName: "OIDC",
      connectorName: "Acme Okta",
      config: { issuer: "https://acme.okta.example", clientId: "acme-okta-client" },
      domains: ["acme.example"],
      branding: { displayName: "Acme SSO" },
      createdAt
    }
  ],
  organizations: [
    {
      id: ids.organizations.acme,
      name: "Acme",
      description: "Acme Corporation",
      customData: { plan: "enterprise" },
      color: { primaryColor: "#1d4ed8" },
      createdAt,
      users: [
        { id: ids.users.alice, roles: ["admin"] },
        { id: ids.users.bob, roles: ["member"] }
      ],
      applications: [{ id: ids.applications.billing, roles: ["sync"] }],
      jit: { emailDomains: ["acme.example"], roles: ["member"], ssoConnectors: [ids.ssoConnectors.acmeOkta] }
    },
    {
      id: ids.organizations.globex,
      name: "Globex",
      createdAt,
      users: [{ id: ids.users.carol, roles: ["admin"] }, ids.users.dave]
    },
    { id: ids.organizations.initech, name: "Initech", description: "No members yet", createdAt }
  ]
}
