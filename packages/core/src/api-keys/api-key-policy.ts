/** What the server's configuration decides about API keys. */
export interface ApiKeyPolicy {
  /** The longest lifetime a new key may be given (API_KEY_MAX_LIFETIME_DAYS). */
  maxLifetimeDays: number;
  /** The most keys one user may hold that are neither revoked nor expired. */
  maxKeysPerUser: number;
  /** Calls one key may make per window, on every instance together (API_KEY_RATE_LIMIT_MAX). */
  rateLimit: { max: number; windowMs: number };
}
