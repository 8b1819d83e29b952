import { describe, expect, it } from "vitest"
import { Faults } from "../src/index.ts"

const clock = () => {
  let now = 1_700_000_000_000
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

describe("Faults: Logto Cloud's tenant budget", () => {
  it("lets `requests` through per window, then answers 429 with the seconds left as Retry-After", () => {
    const time = clock()
    const injector = new Faults.Injector({ rules: [{ type: "budget", requests: 3, windowSeconds: 10 }] }, time.now)
    for (let i = 0; i < 3; i++) expect(injector.decide("ListOrganizations").outcome._tag).toBe("Pass")
    time.advance(2_500)
    const refused = injector.decide("CreateOrganization").outcome
    expect(refused).toMatchObject({ _tag: "Respond", status: 429, headers: { "retry-after": "8" } })
    time.advance(7_500)
    expect(injector.decide("token").outcome._tag).toBe("Pass")
  })

  it("counts only the operations it names, token requests included when named", () => {
    const time = clock()
    const injector = new Faults.Injector(
      { rules: [{ type: "budget", operations: ["token", "GetOrganization"], requests: 1, windowSeconds: 1 }] },
      time.now
    )
    expect(injector.decide("token").outcome._tag).toBe("Pass")
    expect(injector.decide("ListOrganizations").outcome._tag).toBe("Pass")
    expect(injector.decide("GetOrganization").outcome).toMatchObject({ status: 429, headers: { "retry-after": "1" } })
  })

  it("decodes from the control API's JSON", () => {
    expect(Faults.decode({ rules: [{ type: "budget", requests: 200, windowSeconds: 10 }] })._tag).toBe("Success")
    expect(Faults.decode({ rules: [{ type: "budget", requests: 0, windowSeconds: 10 }] })._tag).toBe("Failure")
  })
})
