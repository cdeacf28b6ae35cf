import { describe, expect, it } from "vitest";
import { CREDENTIAL_PROCEDURES } from "../src/credential-procedures";
import { appRouter } from "../src/root";

describe("the credential procedures", () => {
  it("are all procedures of the router, so that a renamed one does not slip out of its rate limit", () => {
    const procedures = Object.keys(appRouter._def.procedures);
    expect(procedures.filter((name) => CREDENTIAL_PROCEDURES.has(name))).toHaveLength(CREDENTIAL_PROCEDURES.size);
  });
});
