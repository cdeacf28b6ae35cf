/**
 * Whether an error says a store the API depends on (Postgres, Redis) cannot be reached, rather
 * than that a query or the code is wrong. Such a call is answered 503 so that clients and load
 * balancers retry, and a check that cannot be made is never mistaken for one that passed.
 */
const CONNECTION_ERROR_CODES = new Set([
  // Node's sockets
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  // postgres.js
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // Postgres: connection exceptions (class 08), shutting down or starting up (57P01-57P03)
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
]);

// ioredis gives up on a command with these once its reconnection attempts are used up.
const REDIS_UNAVAILABLE_NAMES = new Set(["MaxRetriesPerRequestError"]);
const REDIS_UNAVAILABLE_MESSAGES = new Set([
  "Command timed out",
  "Connection is closed.",
  "Stream isn't writeable and enableOfflineQueue options is false",
]);

const MAX_CAUSE_DEPTH = 5;

export function isInfrastructureFailure(error: unknown): boolean {
  let current = error;
  // Drivers and query builders wrap the socket's error in their own, so the chain is walked.
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
    if (REDIS_UNAVAILABLE_NAMES.has(current.name) || REDIS_UNAVAILABLE_MESSAGES.has(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isInfrastructureFailure)) return true;
    current = current.cause;
  }
  return false;
}
