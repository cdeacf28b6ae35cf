const UNIQUE_VIOLATION = "23505";

/**
 * True when a statement failed on a unique constraint. Drizzle wraps driver errors, and
 * postgres.js and PGlite both report the SQLSTATE as `code`, so the chain of causes is searched.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
  }
  return false;
}
