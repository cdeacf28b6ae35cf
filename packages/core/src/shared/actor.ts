import type { Permission, RoleName } from "../access/catalog";

/** Who is acting and from where: written on every audit row and security event. */
export interface Actor {
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/** A signed-in user as the api sees them during one request. */
export interface Principal {
  id: string;
  email: string;
  createdAt: Date;
  sessionId: string;
  roles: readonly RoleName[];
  permissions: ReadonlySet<Permission>;
}

export function actorOf(ctx: {
  user: Pick<Principal, "id"> | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
}): Actor {
  return { userId: ctx.user?.id ?? null, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId };
}

export const systemActor: Actor = { userId: null, ip: null, userAgent: null, requestId: null };
