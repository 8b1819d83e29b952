/** The seed the workerd suite's in-isolate fakes start from. */
export const token = "workers-token"
export const m2m = { clientId: "workers-m2m", clientSecret: "workers-secret" }

export const world = {
  users: [
    { id: "user-alice", username: "alice", name: "Alice" },
    { id: "user-bob", username: "bob", name: "Bob" }
  ],
  organizationRoles: [{ id: "role-member", name: "member" }],
  organizations: [
    { id: "org-acme", name: "Acme", users: ["user-alice"] },
    { id: "org-globex", name: "Globex" },
    { id: "org-initech", name: "Initech" }
  ]
}
