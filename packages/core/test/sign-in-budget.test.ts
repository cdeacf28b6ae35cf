import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AppError } from "@seed/platform";
import { withinSignInBudget } from "../src";
import { createTestDomain, testActor } from "./support";

let domain: Awaited<ReturnType<typeof createTestDomain>>;
beforeAll(async () => {
  domain = await createTestDomain();
});
afterAll(() => domain?.database.destroy());

/** A budget of two failures, of its own. */
const budget = (label: string) => [{ key: `account:${label}`, freeAttempts: 2 }];

const wrongSecret = async (countFailure: () => Promise<void>) => {
  await countFailure();
  throw new AppError("UNAUTHENTICATED", "Invalid code");
};

describe("an attempt within the sign-in budget", () => {
  it("gives back the place of an attempt that ended in an error, so that an outage locks nobody out", async () => {
    const keys = budget("outage");
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(
        withinSignInBudget(domain.deps, keys, testActor, {}, async () => {
          throw new Error("the database cannot be reached");
        }),
      ).rejects.toThrow("the database cannot be reached");
    }
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(withinSignInBudget(domain.deps, keys, testActor, {}, wrongSecret)).rejects.toMatchObject({
        code: "UNAUTHENTICATED",
      });
    }
    await expect(withinSignInBudget(domain.deps, keys, testActor, {}, wrongSecret)).rejects.toMatchObject({
      code: "RATE_LIMITED",
    });
  });

  it("counts a wrong secret even when the attempt fails after it, and then runs no attempt at all", async () => {
    const keys = budget("wrong-then-error");
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(
        withinSignInBudget(domain.deps, keys, testActor, {}, async (countFailure) => {
          await countFailure();
          throw new Error("the audit row cannot be written");
        }),
      ).rejects.toThrow("the audit row cannot be written");
    }
    const attempt = vi.fn(async () => "signed in");
    await expect(withinSignInBudget(domain.deps, keys, testActor, {}, attempt)).rejects.toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/^Too many failed sign-ins; try again in \d+ s$/),
    });
    expect(attempt).not.toHaveBeenCalled();
  });

  it("gives back the place of a right secret, however often", async () => {
    const keys = budget("owner");
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(withinSignInBudget(domain.deps, keys, testActor, {}, async () => "signed in")).resolves.toBe(
        "signed in",
      );
    }
    await expect(withinSignInBudget(domain.deps, keys, testActor, {}, wrongSecret)).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});
