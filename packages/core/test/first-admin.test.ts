import { securityEvents } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFirstAdmin, register, rolesOf } from "../src";
import { createTestDomain, testActor } from "./support";

describe("the first admin", () => {
  let domain: Awaited<ReturnType<typeof createTestDomain>>;
  beforeAll(async () => {
    domain = await createTestDomain();
  });
  afterAll(() => domain?.database.destroy());

  it("is not made when nothing is configured, and says so", async () => {
    expect(await ensureFirstAdmin(domain.deps, null)).toBe("not-configured");
    expect(domain.deps.log.lines.some((line) => line.level === "warn")).toBe(true);
  });

  it("is not handed to whoever registered the address first with another password", async () => {
    const squatter = (await register(
      domain.deps,
      { email: "root@example.com", password: "the squatter's" },
      testActor,
    ))!;
    await expect(
      ensureFirstAdmin(domain.deps, { email: "root@example.com", password: "the operator's password" }),
    ).rejects.toThrow("ADMIN_EMAIL belongs to an existing account and ADMIN_PASSWORD is not its password");
    expect(await rolesOf(domain.deps.db, squatter.id)).toEqual(["customer"]);
  });

  it("promotes the existing account when the password is its own, once", async () => {
    const owner = (await register(
      domain.deps,
      { email: "owner@example.com", password: "the owner's password" },
      testActor,
    ))!;
    expect(await ensureFirstAdmin(domain.deps, { email: "OWNER@example.com", password: "the owner's password" })).toBe(
      "promoted",
    );
    expect(await rolesOf(domain.deps.db, owner.id)).toEqual(["admin", "customer"]);
    const events = await domain.deps.db.select().from(securityEvents).where(eq(securityEvents.type, "role_changed"));
    expect(events.map((event) => event.details)).toContainEqual({ targetUserId: owner.id, added: "admin" });
    expect(await ensureFirstAdmin(domain.deps, { email: "someone@example.com", password: "whatever it is" })).toBe(
      "already-present",
    );
  });
});
