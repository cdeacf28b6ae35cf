import { describe, expectTypeOf, test } from "vitest";
import { createClient, type RouterInputs, type RouterOutputs } from "../src";

const { api } = createClient({ url: "http://localhost:3000/trpc" });

describe("the client is typed from the router, without codegen", () => {
  test("inputs and outputs carry the router's types", () => {
    expectTypeOf<RouterInputs["auth"]["login"]>().toEqualTypeOf<{ email: string; password: string }>();
    expectTypeOf(api.auth.me.query).returns.resolves.toEqualTypeOf<RouterOutputs["auth"]["me"]>();
    expectTypeOf<RouterOutputs["auth"]["me"]["createdAt"]>().toEqualTypeOf<Date>();
    expectTypeOf<RouterOutputs["auth"]["me"]["roles"]>().toEqualTypeOf<("admin" | "manager" | "customer")[]>();
  });

  test("no private field of a user is part of any output", () => {
    expectTypeOf<RouterOutputs["auth"]["me"]>().not.toHaveProperty("passwordHash");
    expectTypeOf<Extract<RouterOutputs["auth"]["login"], { status: "signed-in" }>["user"]>().not.toHaveProperty(
      "passwordHash",
    );
  });

  test("a wrong input type does not compile", () => {
    // @ts-expect-error the password is a string
    void api.auth.login.mutate({ email: "ada@example.com", password: 12345678 });
    // @ts-expect-error the email is required
    void api.auth.register.mutate({ password: "a long passphrase" });
  });

  test("a misspelled procedure or the wrong kind of call does not compile", () => {
    // @ts-expect-error there is no auth.logon
    void api.auth.logon.mutate({ email: "ada@example.com", password: "x" });
    // @ts-expect-error me is a query, not a mutation
    void api.auth.me.mutate();
    // @ts-expect-error subscriptions are subscribed to, not queried
    void api.auth.onSessionEvent.query();
  });
});
