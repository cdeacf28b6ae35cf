const UNIQUE_VIOLATION = "23505";
const DEADLOCK_DETECTED = "40P01";
const SERIALIZATION_FAILURE = "40001";

/**
 * Whether a statement failed with one of `codes` as its SQLSTATE. Drizzle wraps driver errors,
 * and postgres.js and PGlite both report the SQLSTATE as `code`, so the chain of causes is searched.
 */
function hasSqlState(error: unknown, codes: readonly string[]): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && codes.includes(code)) return true;
  }
  return false;
}

/** True when a statement failed on a unique constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return hasSqlState(error, [UNIQUE_VIOLATION]);
}

/**
 * True when the database ended a transaction because it collided with another one (a deadlock,
 * or a serialization failure): nothing was changed, and the same request may simply be retried.
 */
export function isTransactionCollision(error: unknown): boolean {
  return hasSqlState(error, [DEADLOCK_DETECTED, SERIALIZATION_FAILURE]);
}
