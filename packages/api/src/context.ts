import {
  type Access,
  type ApiKeyRecord,
  authenticate,
  authenticateApiKey,
  looksLikeApiKey,
  type Principal,
  resolveAccess,
} from "@seed/core";
import type { ApiDependencies } from "./dependencies";
import type { Transport } from "./transport";
import { AppError, type Logger } from "@seed/platform";
import type { LiveConnection } from "./live/live-connection";

export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: "strict" | "lax";
  path: string;
  /** Seconds. */
  maxAge: number;
}

/** Cookies of the current request, and a way to set them on its response where there is one. */
export interface CookieJar {
  get(name: string): string | undefined;
  set(name: string, value: string, options: CookieOptions): void;
  clear(name: string, options: Pick<CookieOptions, "path">): void;
}

export type Headers = Record<string, string | string[] | undefined>;

/** The HttpOnly cookies that carry a browser's tokens; scoped to the API's path. */
export const ACCESS_COOKIE = "seed_access";
export const REFRESH_COOKIE = "seed_refresh";

/** Everything a transport (HTTP request, WebSocket connection, in-process call) knows of its caller. */
export interface TransportInfo {
  transport: Transport;
  headers: Headers;
  /** Sent by the WebSocket client when it connects; the only place a socket carries a token. */
  connectionParams?: Record<string, string | undefined> | null;
  cookies: CookieJar;
  ip: string;
  requestId: string;
  log: Logger;
  /**
   * The connection subscriptions run on, for its limits, given who is calling; absent for calls
   * inside the process.
   */
  connection?: (userId: string | null) => LiveConnection;
}

/** What one call adds to the dependencies. */
export interface CallInfo {
  transport: Transport;
  requestId: string;
  ip: string;
  userAgent: string | null;
  log: Logger;
  cookies: CookieJar;
  /** The signed-in user with their roles and permissions, or null for an anonymous caller. */
  user: Principal | null;
  /** Why a presented access token was not accepted, to tell the caller precisely. */
  authError: string | null;
  /** When the caller's access token expires: a connection that outlives it must authenticate again. */
  accessExpiresAt: Date | null;
  connection: LiveConnection | null;
}

/**
 * A call's context: its own fields and the dependencies, which are spread over them (see
 * createContext), so that no name may be in both; one that were would make this `never`.
 */
export type Context = ApiDependencies &
  ([Extract<keyof CallInfo, keyof ApiDependencies>] extends [never] ? CallInfo : never);

/**
 * The context of one call, for any transport.
 *
 * The dependencies are spread last, here and wherever an object is made on every call: on
 * Node 20, V8 adds each property written after a spread on a slow path (13 µs for this context
 * when they came first, 0.35 µs now; bench/README.md).
 */
export async function createContext(deps: ApiDependencies, transport: TransportInfo): Promise<Context> {
  const credential = readCredential(transport);
  const userAgent = firstHeader(transport.headers["user-agent"]) ?? null;
  const { user, authError, accessExpiresAt } = !credential
    ? { user: null, authError: null, accessExpiresAt: null }
    : credential.kind === "api-key"
      ? await resolveKeyHolder(deps, credential.value, { ip: transport.ip, requestId: transport.requestId, userAgent })
      : await resolveUser(deps, credential);
  return {
    transport: transport.transport,
    requestId: transport.requestId,
    ip: transport.ip,
    userAgent,
    log: transport.log,
    cookies: transport.cookies,
    user,
    authError,
    accessExpiresAt,
    connection: transport.connection?.(user?.id ?? null) ?? null,
    ...deps,
  };
}

/** A context for calls made inside the process (tests, workers, scripts) on behalf of a user. */
export function createContextInner(
  deps: ApiDependencies,
  options: { user: Principal | null; log: Logger; requestId?: string },
): Context {
  return {
    transport: "internal",
    requestId: options.requestId ?? "internal",
    ip: "internal",
    userAgent: null,
    log: options.log,
    cookies: noCookies,
    user: options.user,
    authError: null,
    accessExpiresAt: null,
    connection: null,
    ...deps,
  };
}

/** A jar for transports that carry no cookies, or must not honour them. */
export const noCookies: CookieJar = { get: () => undefined, set: () => {}, clear: () => {} };

type Credential = { kind: "access-token" | "api-key" | "misplaced-api-key"; value: string };

/**
 * The credential of the call, from the first of: `Authorization: Bearer`, the HttpOnly cookie,
 * `x-access-token`, and on a socket its connection parameters. Never from a URL: the transport
 * refuses those before a context is made. An API key counts only in the Authorization header:
 * anywhere else it is refused, so that scripts put it where proxies and logs know to hide it.
 */
function readCredential(transport: TransportInfo): Credential | null {
  const authorization = firstHeader(transport.headers.authorization);
  if (authorization) {
    const [scheme, token] = authorization.split(" ");
    // Any other scheme is kept as it is, so that it fails verification loudly rather than
    // leaving the caller anonymous without a word.
    const value = scheme?.toLowerCase() === "bearer" && token ? token : authorization;
    return { kind: looksLikeApiKey(value) ? "api-key" : "access-token", value };
  }
  const value =
    transport.cookies.get(ACCESS_COOKIE) ??
    firstHeader(transport.headers["x-access-token"]) ??
    transport.connectionParams?.token ??
    null;
  if (value === null) return null;
  return { kind: looksLikeApiKey(value) ? "misplaced-api-key" : "access-token", value };
}

type ResolvedCaller = { user: Principal | null; authError: string | null; accessExpiresAt: Date | null };

const refusedCaller = (error: unknown): ResolvedCaller => {
  if (error instanceof AppError) return { user: null, authError: error.message, accessExpiresAt: null };
  throw error;
};

async function resolveUser(deps: ApiDependencies, credential: Credential): Promise<ResolvedCaller> {
  if (credential.kind === "misplaced-api-key") {
    return refusedCaller(new AppError("UNAUTHENTICATED", "Send an API key in the Authorization header only"));
  }
  try {
    const { session, tokenExpiresAt } = await authenticate(deps, credential.value);
    const { roles, permissions } = await resolveAccess(deps, session.id, session.accessVersion);
    const { id, email, createdAt, sessionId } = session;
    const user = { id, email, createdAt, sessionId, apiKey: null, roles, permissions };
    return { user, authError: null, accessExpiresAt: tokenExpiresAt };
  } catch (error) {
    return refusedCaller(error);
  }
}

/**
 * The owner of an API key, with the key's scopes as their permissions, less any the owner no
 * longer holds: a role taken from the owner is taken from their keys on the next call.
 */
async function resolveKeyHolder(
  deps: ApiDependencies,
  key: string,
  caller: Pick<TransportInfo, "ip" | "requestId"> & { userAgent: string | null },
): Promise<ResolvedCaller> {
  try {
    const record = await authenticateApiKey(deps, key, { userId: null, ...caller });
    const { id, accessVersion } = record.owner;
    const user = keyHolder(record, await resolveAccess(deps, id, accessVersion));
    return { user, authError: null, accessExpiresAt: record.expiresAt };
  } catch (error) {
    return refusedCaller(error);
  }
}

/**
 * The principal of a key for its owner's access, made once for each pair, as the access itself
 * is made once for each cache entry: both are read, never changed, by the calls that share them.
 */
const keyHolders = new WeakMap<ApiKeyRecord, { access: Access; user: Principal }>();

function keyHolder(record: ApiKeyRecord, access: Access): Principal {
  const known = keyHolders.get(record);
  if (known?.access === access) return known.user;
  const { id, email, createdAt } = record.owner;
  const user = {
    id,
    email,
    createdAt,
    sessionId: null,
    apiKey: { id: record.keyId, quota: record.quota },
    roles: access.roles,
    permissions: new Set(record.scopes.filter((scope) => access.permissions.has(scope))),
  };
  keyHolders.set(record, { access, user });
  return user;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
