import { expect } from "vitest";

/**
 * What an error body must never show: a stack trace, a source path, the database's own words
 * (SQL, driver and connection errors) or what was stored behind a secret.
 */
const INTERNALS =
  /stack|node_modules|\.ts:\d+|at [A-Za-z.<>]+ \(|postgres|drizzle|pglite|ioredis|\bselect\b.+\bfrom\b|insert into|ECONN|syntax error at|password_hash|passwordHash|\$argon2/i;

export function expectNoInternals(body: string): void {
  expect(body).not.toMatch(INTERNALS);
}
