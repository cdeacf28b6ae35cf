import type { Permission, RoleName } from "../access/catalog";

/** Who is acting and from where: written on every audit row and security event. */
export interface Actor {
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** The named system principal ("cli", "worker") acting through the routers, when no person is. */
  principal?: string | null;
}

/** A signed-in user, or the owner of an API key, as the api sees them during one request. */
export interface Principal {
  id: string;
  email: string;
  createdAt: Date;
  /** The session the caller signed in with; null for a caller presenting an API key. */
  sessionId: string | null;
  /** The API key the caller presented, or null for a signed-in session. */
  apiKey: ApiKeyUse | null;
  roles: readonly RoleName[];
  /** For an API key, only those of its scopes that its owner holds now. */
  permissions: ReadonlySet<Permission>;
  /**
   * The name of a system principal ("cli", "worker"): another app of the project calling the
   * routers in its process, with exactly the permissions it was configured with. It is no
   * account: its `id` is the nil UUID, and what it does is audited under this name.
   */
  system?: string;
}

/** What a call made with an API key counts against. */
export interface ApiKeyUse {
  id: string;
  /** Calls allowed per interval, or null for no quota. */
  quota: { limit: number; intervalMs: number } | null;
}

/** A caller who signed in: what changes how the account signs in, or its keys, needs one. */
export type SessionPrincipal = Principal & { sessionId: string; apiKey: null };

export function isSessionPrincipal(principal: Principal): principal is SessionPrincipal {
  return principal.sessionId !== null && principal.apiKey === null;
}

export function actorOf(ctx: {
  user: Pick<Principal, "id" | "system"> | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
}): Actor {
  const system = ctx.user?.system;
  return system
    ? { userId: null, principal: system, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId }
    : { userId: ctx.user?.id ?? null, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId };
}

/**
 * The actor of a change nobody signed in made, such as a sign-up, as the account it concerns:
 * unless a system principal made it, which the audit row names instead.
 */
export function actorOrSubject(actor: Actor, subjectUserId: string): Actor {
  return actor.userId !== null || actor.principal ? actor : { ...actor, userId: subjectUserId };
}

export const systemActor: Actor = { userId: null, ip: null, userAgent: null, requestId: null };
