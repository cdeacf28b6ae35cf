import { describe, expect, it } from "vitest";
import { CREDENTIAL_PROCEDURES } from "../src/credential-procedures";

describe("the credential procedures", () => {
  it("are read from the router's meta, sign-ins and password changes among them", () => {
    expect([...CREDENTIAL_PROCEDURES]).toEqual(
      expect.arrayContaining([
        "auth.login",
        "auth.register",
        "auth.refresh",
        "auth.mfa.verify",
        "auth.password.reset",
        "users.changeEmail",
      ]),
    );
  });

  it("leave out procedures that neither check a password nor mint tokens", () => {
    for (const path of ["auth.me", "auth.logout", "products.list", "orders.place"]) {
      expect(CREDENTIAL_PROCEDURES.has(path), path).toBe(false);
    }
  });
});
