import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { createContextInner, type Context } from "../src/context";
import type { ApiDependencies } from "../src/dependencies";
import { createInProcessEventBus } from "../src/events";
import type { Logger } from "../src/logger";
import { createAccessTokenService } from "../src/services/access-tokens";
import type { PublicUser } from "../src/validators";

export const tokenOptions = {
  secret: randomBytes(32),
  issuer: "seed-test",
  audience: "seed-test-api",
  ttlSeconds: 300,
};

export interface RecordedLog {
  level: "debug" | "info" | "warn" | "error";
  fields: unknown;
  message: unknown;
}

/** A logger that keeps what it is told, so tests can read security events. */
export function recordingLogger(): Logger & { lines: RecordedLog[] } {
  const lines: RecordedLog[] = [];
  const record =
    (level: RecordedLog["level"]) =>
    (fields: unknown, message?: unknown): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
}

export async function createTestApi(): Promise<{
  deps: ApiDependencies;
  database: TestDatabase;
  contextFor(user: PublicUser | null): Context & { log: ReturnType<typeof recordingLogger> };
}> {
  const database = await createTestDatabase();
  const deps: ApiDependencies = {
    db: database.connection.db,
    accessTokens: createAccessTokenService(tokenOptions),
    events: createInProcessEventBus(),
    refreshTokenTtlSeconds: 3600,
    cookieSecure: true,
  };
  return {
    deps,
    database,
    contextFor(user) {
      const log = recordingLogger();
      return { ...createContextInner(deps, { user, log }), log };
    },
  };
}
