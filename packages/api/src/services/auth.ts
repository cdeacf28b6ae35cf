import { refreshSessions, users, isUniqueViolation, type User } from "@seed/db";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { ApiDependencies } from "../dependencies";
import { AppError } from "../errors";
import { sessionEventsChannel, type SessionEvent, type SessionEventType } from "../events";
import type { PublicUser, SessionTokens } from "../validators";
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from "./passwords";
import { createRefreshToken, hashRefreshToken } from "./refresh-tokens";

export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

type AuthDependencies = Pick<ApiDependencies, "db" | "accessTokens" | "events" | "refreshTokenTtlSeconds">;

const INVALID_CREDENTIALS = "Invalid email or password";
const INVALID_REFRESH_TOKEN = "Invalid or expired refresh token";

export function toPublicUser(user: Pick<User, "id" | "email" | "role" | "createdAt">): PublicUser {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.createdAt };
}

export async function register(
  deps: Pick<ApiDependencies, "db">,
  input: { email: string; password: string },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  try {
    const [user] = await deps.db.insert(users).values({ email: input.email, passwordHash }).returning();
    return toPublicUser(user!);
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "An account with this email already exists");
    throw error;
  }
}

/** Fails with the same message and the same work whether the email is unknown or the password wrong. */
export async function login(
  deps: AuthDependencies,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<SessionTokens> {
  const user = await deps.db.query.users.findFirst({ where: sql`lower(${users.email}) = ${input.email}` });
  const valid = user
    ? await verifyPassword(user.passwordHash, input.password)
    : await verifyAgainstDummyHash(input.password);
  if (!user || !valid) throw new AppError("UNAUTHENTICATED", INVALID_CREDENTIALS);

  const { token: refreshToken, tokenHash } = createRefreshToken();
  const [session] = await deps.db
    .insert(refreshSessions)
    .values({
      userId: user.id,
      tokenHash,
      expiresAt: new Date(Date.now() + deps.refreshTokenTtlSeconds * 1000),
      ip: client.ip,
      userAgent: client.userAgent,
    })
    .returning();
  await publishSessionEvent(deps, user.id, "session.created", session!.id);
  return issueTokens(deps, user, session!, refreshToken);
}

/**
 * Exchanges a refresh token for a new pair. The rotation is one conditional UPDATE, so of two
 * concurrent uses of the same token exactly one succeeds and the old token is dead afterwards.
 */
export async function refresh(
  deps: AuthDependencies,
  refreshToken: string,
  client: ClientInfo,
): Promise<SessionTokens> {
  const { token: nextToken, tokenHash: nextHash } = createRefreshToken();
  const [session] = await deps.db
    .update(refreshSessions)
    .set({ tokenHash: nextHash, lastUsedAt: new Date(), ip: client.ip, userAgent: client.userAgent })
    .where(
      and(
        eq(refreshSessions.tokenHash, hashRefreshToken(refreshToken)),
        isNull(refreshSessions.revokedAt),
        gt(refreshSessions.expiresAt, new Date()),
      ),
    )
    .returning();
  if (!session) throw new AppError("UNAUTHENTICATED", INVALID_REFRESH_TOKEN);

  const user = await deps.db.query.users.findFirst({ where: eq(users.id, session.userId) });
  if (!user) throw new AppError("UNAUTHENTICATED", INVALID_REFRESH_TOKEN);
  await publishSessionEvent(deps, user.id, "session.refreshed", session.id);
  return issueTokens(deps, user, session, nextToken);
}

/** Ends the session of a refresh token. Unknown or already revoked tokens are not an error. */
export async function logout(deps: Pick<AuthDependencies, "db" | "events">, refreshToken: string): Promise<void> {
  const [session] = await deps.db
    .update(refreshSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshSessions.tokenHash, hashRefreshToken(refreshToken)), isNull(refreshSessions.revokedAt)))
    .returning({ id: refreshSessions.id, userId: refreshSessions.userId });
  if (session) await publishSessionEvent(deps, session.userId, "session.revoked", session.id);
}

/**
 * The user an access token speaks for, or an UNAUTHENTICATED error. The token's session must
 * still be live, so signing out ends its access tokens at once, not when they expire.
 */
export async function authenticate(
  deps: Pick<ApiDependencies, "db" | "accessTokens">,
  accessToken: string,
): Promise<PublicUser> {
  const claims = await deps.accessTokens.verify(accessToken);
  const [user] = await deps.db
    .select({ id: users.id, email: users.email, role: users.role, createdAt: users.createdAt })
    .from(users)
    .innerJoin(refreshSessions, eq(refreshSessions.userId, users.id))
    .where(
      and(
        eq(users.id, claims.userId),
        eq(refreshSessions.id, claims.sessionId),
        isNull(refreshSessions.revokedAt),
        gt(refreshSessions.expiresAt, new Date()),
      ),
    );
  if (!user) throw new AppError("UNAUTHENTICATED", "Session has ended, sign in again");
  return user;
}

async function issueTokens(
  deps: Pick<ApiDependencies, "accessTokens">,
  user: User,
  session: { id: string; expiresAt: Date },
  refreshToken: string,
): Promise<SessionTokens> {
  const access = await deps.accessTokens.issue(user.id, session.id);
  return {
    user: toPublicUser(user),
    sessionId: session.id,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: session.expiresAt,
  };
}

function publishSessionEvent(
  deps: Pick<ApiDependencies, "events">,
  userId: string,
  type: SessionEventType,
  sessionId: string,
): Promise<void> {
  const event: SessionEvent = { type, sessionId, at: new Date() };
  return deps.events.publish(sessionEventsChannel(userId), event);
}
