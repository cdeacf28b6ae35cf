import { createDatabase } from "@seed/db";
import { createTestDatabase, unusedPort } from "@seed/db/testing";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { AppError, isInfrastructureFailure } from "../src";

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => expect.fail("expected the call to fail"),
    (error: unknown) => error,
  );
}

describe("telling an unreachable store from a bug", () => {
  it("recognises a query to a Postgres that is not there, through drizzle's wrapping", async () => {
    const database = await createDatabase({ url: `postgres://postgres@127.0.0.1:${await unusedPort()}/postgres` });
    const error = await failureOf(() => database.db.execute(sql`select 1`));
    await database.close();
    expect(isInfrastructureFailure(error)).toBe(true);
  });

  it("recognises a command to a Redis that is not there", async () => {
    const redis = new Redis(`redis://127.0.0.1:${await unusedPort()}`, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    redis.on("error", () => {});
    const error = await failureOf(() => redis.get("key"));
    redis.disconnect();
    expect(isInfrastructureFailure(error)).toBe(true);
  });

  it("does not excuse a query the database refuses", async () => {
    const database = await createTestDatabase();
    const error = await failureOf(() => database.connection.db.execute(sql`select * from no_such_table`));
    await database.destroy();
    expect(isInfrastructureFailure(error)).toBe(false);
  });

  it.each([
    ["an AppError", new AppError("NOT_FOUND", "No such user")],
    ["a plain error", new Error("Connection is closed")],
    ["a string", "ECONNREFUSED"],
    ["nothing", undefined],
  ])("does not take %s for an outage", (_label, error) => {
    expect(isInfrastructureFailure(error)).toBe(false);
  });
});
