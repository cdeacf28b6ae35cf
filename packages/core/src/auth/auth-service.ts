import {
  isUniqueViolation,
  refreshSessions,
  rotatedRefreshTokens,
  userRoles,
  users,
  type Database,
  type Transaction,
} from "@seed/db";
import { and, eq, isNull, sql } from "drizzle-orm";
import { actorOrSubject, type Actor } from "../shared/actor";
import { DEFAULT_ROLE, type RoleName } from "../access/catalog";
import type { Dependencies } from "../dependencies";
import { AppError, type Logger, loginKeys, type LoginThrottle } from "@seed/platform";
import { publishSessionEvent } from "../sessions/session-events";
import type { LoginResult, SessionTokens } from "../shared/validators";
import { recordAudit } from "../audit/audit";
import { sendEmailVerification } from "./email-verification";
import { openMfaChallenge } from "../mfa/challenges";
import { hasConfirmedMfaFactor } from "../mfa/factors";
import { hashPassword, verifyPassword } from "./passwords";
import { isLiveSession } from "../sessions/live-session";
import type { SessionRecord } from "../sessions/session-cache";
import { createOpaqueToken, hashOpaqueToken } from "../shared/opaque-tokens";
import { recordSecurityEvent } from "../audit/security-events";
import { withinSignInBudget } from "./sign-in-budget";
import { announceRevokedSessions, revokeSessionsWhere } from "../sessions/session-revocation";
import { tellOwnerOfTakenAddress } from "./taken-address";
import { mayMailUnsolicited } from "./unsolicited-mail";
import { recordWebhookEvent } from "../webhooks/webhook-outbox";
import { transactionWithEvents, type Emit } from "../shared/committed-events";

type AuthDependencies = Pick<
  Dependencies,
  "db" | "accessTokens" | "events" | "sessionCache" | "refreshTokenTtlSeconds"
> & {
  log: Logger;
};

const INVALID_CREDENTIALS = "Invalid email or password";
const INVALID_REFRESH_TOKEN = "Invalid or expired refresh token";
const ACCOUNT_DISABLED = "This account is disabled; ask an administrator to enable it";
const ACCOUNT_DELETED = "This account was deleted";

/**
 * Refuses a disabled or deleted account at every sign-in, whatever proved the identity
 * (password, code, identity provider, passkey). Read in the caller's transaction, so that a
 * sign-in racing a disable ends either refused or among the sessions the disable revokes.
 * Deleting an account removes every way in; this refuses one that was somehow left behind.
 */
async function assertMaySignIn(db: Database | Transaction, userId: string): Promise<void> {
  const user = await db.query.users.findFirst({
    where: eq(users.id, userId),
    columns: { disabledAt: true, deletedAt: true },
  });
  if (user?.deletedAt) throw new AppError("FORBIDDEN", ACCOUNT_DELETED);
  if (user?.disabledAt) throw new AppError("FORBIDDEN", ACCOUNT_DISABLED);
}

/**
 * Creates an account with its roles inside the caller's transaction, which is one of
 * `transactionWithEvents`: its `user.created` webhook goes out when that commits. A null password
 * makes an account that signs in only through an identity provider.
 */
export async function createAccount(
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  account: { email: string; password: string | null; roles: RoleName[] },
): Promise<{ id: string; email: string; createdAt: Date }> {
  const passwordHash = account.password === null ? null : await hashPassword(account.password);
  try {
    const [user] = await tx
      .insert(users)
      .values({ email: account.email, passwordHash })
      .returning({ id: users.id, email: users.email, createdAt: users.createdAt });
    await tx.insert(userRoles).values(account.roles.map((roleName) => ({ userId: user!.id, roleName })));
    await recordAudit(tx, actorOrSubject(actor, user!.id), {
      action: "user.create",
      resource: "user",
      resourceId: user!.id,
      after: { email: user!.email, roles: account.roles },
    });
    await recordWebhookEvent(tx, "user.created", { ...user!, roles: account.roles }, emit);
    return user!;
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("CONFLICT", "An account with this email already exists");
    throw error;
  }
}

/**
 * Creates an account and mails a link to confirm its address. When the address has an account
 * already, its owner is mailed instead and the caller is answered the same, after the same work
 * (the password is hashed and the insert tried either way): registering cannot be used to find
 * out who has an account. A failed mail is logged; the account exists either way. Resolves with
 * the account created, or null when the address had one: for callers in this process only.
 */
export async function register(
  deps: Pick<Dependencies, "db" | "events" | "mailer" | "usageLimiter" | "appUrl"> & { log: Logger },
  input: { email: string; password: string },
  actor: Actor,
): Promise<{ id: string; email: string; createdAt: Date } | null> {
  let created: { id: string; email: string; createdAt: Date } | null;
  try {
    created = await transactionWithEvents(deps, (tx, emit) =>
      createAccount(tx, emit, actor, { ...input, roles: [DEFAULT_ROLE] }),
    );
  } catch (error) {
    if (!(error instanceof AppError && error.code === "CONFLICT")) throw error;
    created = null;
  }
  // Counted, and past the budget sent as a decoy, either way: the count would tell otherwise.
  const decoy = !(await mayMailUnsolicited(deps, input.email, "sign-up"));
  const mailed = created
    ? sendEmailVerification(deps, created.id, { decoy })
    : tellOwnerOfTakenAddress(deps.mailer, input.email, "create an account with this address", { decoy });
  await mailed.catch((error: unknown) => deps.log.error({ err: error }, "could not send the sign-up mail"));
  return created;
}

/**
 * Fails with the same message and the same work whether the email is unknown or the password
 * wrong. Repeated failures lock the account, and the address they come from, out for a growing
 * while: the lock is checked, and the attempt counted, before any password is.
 * An account with an authenticator gets a challenge instead of tokens, to complete with a code.
 */
export async function login(
  deps: AuthDependencies & { loginThrottle: LoginThrottle },
  input: { email: string; password: string },
  actor: Actor,
): Promise<LoginResult> {
  const keys = loginKeys(input.email, actor.ip);
  return withinSignInBudget(deps, keys, actor, { email: input.email }, async (countFailure) => {
    const user = await deps.db.query.users.findFirst({ where: sql`lower(${users.email}) = ${input.email}` });
    const valid = await verifyPassword(user?.passwordHash ?? null, input.password);
    if (!user || !valid) {
      await countFailure();
      await recordSecurityEvent(deps, { ...actor, userId: user?.id ?? null }, "login_failed", {
        reason: user ? "wrong_password" : "unknown_email",
      });
      throw new AppError("UNAUTHENTICATED", INVALID_CREDENTIALS);
    }

    const result = await completeSignIn(deps, user, actor);
    // The failures are forgiven only once the code is right too: otherwise a known password would
    // reset the budget for guessing codes at every sign-in.
    if (result.status === "signed-in") await deps.loginThrottle.reset(keys[0]!.key);
    return result;
  });
}

/**
 * The end of every sign-in whose first factor was proven, by password or by an identity
 * provider: a session, or, when the account has an authenticator, a challenge for its code.
 */
export async function completeSignIn(
  deps: AuthDependencies,
  user: { id: string; email: string; createdAt: Date },
  actor: Actor,
): Promise<LoginResult> {
  await assertMaySignIn(deps.db, user.id);
  if (await hasConfirmedMfaFactor(deps.db, user.id)) {
    return { status: "mfa-required", ...(await openMfaChallenge(deps.db, user.id)) };
  }
  return { status: "signed-in", ...(await startSession(deps, user, actor)) };
}

/**
 * Opens a session for a user whose identity was just proven (password, or an identity
 * provider): a new refresh-token family and the first pair of tokens.
 */
export async function startSession(
  deps: AuthDependencies,
  user: { id: string; email: string; createdAt: Date },
  actor: Actor,
): Promise<SessionTokens> {
  const { token: refreshToken, tokenHash } = createOpaqueToken();
  const session = await deps.db.transaction(async (tx) => {
    await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for("share");
    await assertMaySignIn(tx, user.id);
    const [created] = await tx
      .insert(refreshSessions)
      .values({
        userId: user.id,
        tokenHash,
        expiresAt: new Date(Date.now() + deps.refreshTokenTtlSeconds * 1000),
        ip: actor.ip,
        userAgent: actor.userAgent,
      })
      .returning();
    await recordAudit(
      tx,
      { ...actor, userId: user.id },
      {
        action: "session.create",
        resource: "session",
        resourceId: created!.id,
      },
    );
    return created!;
  });
  await publishSessionEvent(deps, user.id, "session.created", session.id);
  return issueTokens(deps, user, session, refreshToken);
}

/**
 * A rotated token presented again this soon is most likely the same client racing itself (two
 * tabs refreshing at once): it is refused, but the session is left alone.
 */
const REUSE_GRACE_MS = 10_000;

/**
 * Exchanges a refresh token for a new pair. The rotation is one conditional UPDATE, so of two
 * concurrent uses of the same token exactly one succeeds and the old token is dead afterwards.
 * An old token of the session presented again means a copy is in someone else's hands: the
 * whole session (the token family) is revoked and a security event recorded.
 */
export async function refresh(deps: AuthDependencies, refreshToken: string, actor: Actor): Promise<SessionTokens> {
  const presentedHash = hashOpaqueToken(refreshToken);
  const { token: nextToken, tokenHash: nextHash } = createOpaqueToken();
  const outcome = await deps.db.transaction(async (tx) => {
    const [session] = await tx
      .update(refreshSessions)
      .set({ tokenHash: nextHash, lastUsedAt: new Date(), ip: actor.ip, userAgent: actor.userAgent })
      .where(and(eq(refreshSessions.tokenHash, presentedHash), isLiveSession()))
      .returning();
    if (session) {
      await tx.insert(rotatedRefreshTokens).values({ tokenHash: presentedHash, sessionId: session.id });
      await recordAudit(
        tx,
        { ...actor, userId: session.userId },
        {
          action: "session.refresh",
          resource: "session",
          resourceId: session.id,
        },
      );
      const user = await tx.query.users.findFirst({
        where: and(eq(users.id, session.userId), isNull(users.disabledAt)),
      });
      return user ? ({ kind: "rotated", session, user } as const) : null;
    }

    const rotated = await tx.query.rotatedRefreshTokens.findFirst({
      where: eq(rotatedRefreshTokens.tokenHash, presentedHash),
    });
    if (!rotated || Date.now() - rotated.rotatedAt.getTime() < REUSE_GRACE_MS) return null;
    const [revoked] = await revokeSessionsWhere(
      tx,
      actor,
      eq(refreshSessions.id, rotated.sessionId),
      "refresh_token_reuse",
    );
    return revoked ? ({ kind: "reused", session: revoked } as const) : null;
  });

  if (outcome?.kind === "rotated") {
    await publishSessionEvent(deps, outcome.user.id, "session.refreshed", outcome.session.id);
    return issueTokens(deps, outcome.user, outcome.session, nextToken);
  }
  if (outcome?.kind === "reused") {
    // Announced first: the instances must stop honouring the session even if recording fails.
    await announceRevokedSessions(deps, [outcome.session]);
    await recordSecurityEvent(deps, { ...actor, userId: outcome.session.userId }, "refresh_token_reuse", {
      sessionId: outcome.session.id,
    });
  }
  throw new AppError("UNAUTHENTICATED", INVALID_REFRESH_TOKEN);
}

/** Ends the session of a refresh token. Unknown or already revoked tokens are not an error. */
export async function logout(
  deps: Pick<AuthDependencies, "db" | "events" | "sessionCache">,
  refreshToken: string,
  actor: Actor,
): Promise<void> {
  const revoked = await deps.db.transaction((tx) =>
    revokeSessionsWhere(tx, actor, eq(refreshSessions.tokenHash, hashOpaqueToken(refreshToken))),
  );
  await announceRevokedSessions(deps, revoked);
}

export interface Authentication {
  session: SessionRecord;
  /** When the presented token stops being accepted. */
  tokenExpiresAt: Date;
}

/**
 * The user an access token speaks for, or an UNAUTHENTICATED error. The token's session must
 * still be live, so signing out ends its access tokens at once, not when they expire: a session
 * found live is remembered only until it is invalidated (see session-cache.ts).
 */
export async function authenticate(
  deps: Pick<Dependencies, "db" | "accessTokens" | "sessionCache">,
  accessToken: string,
): Promise<Authentication> {
  const claims = await deps.accessTokens.verify(accessToken);
  const session = deps.sessionCache.get(claims.sessionId) ?? (await readLiveSession(deps, claims));
  if (!session || session.id !== claims.userId)
    throw new AppError("UNAUTHENTICATED", "Session has ended, sign in again");
  return { session, tokenExpiresAt: claims.expiresAt };
}

async function readLiveSession(
  deps: Pick<Dependencies, "db" | "sessionCache">,
  claims: { userId: string; sessionId: string },
): Promise<SessionRecord | undefined> {
  const generation = deps.sessionCache.generation;
  let query = authenticationQueries.get(deps.db);
  if (!query) authenticationQueries.set(deps.db, (query = prepareAuthentication(deps.db)));
  const [row] = await query.execute({ userId: claims.userId, sessionId: claims.sessionId });
  if (!row) return undefined;
  const { id, email, createdAt, accessVersion, sessionId, sessionExpiresAt } = row;
  const session = { id, email, createdAt, accessVersion, sessionId };
  deps.sessionCache.remember(generation, session, sessionExpiresAt);
  return session;
}

/**
 * Every authenticated request that misses the cache runs this query, so it is built and
 * prepared once per database rather than on each call (the profile in bench/README.md found
 * the building costly).
 */
function prepareAuthentication(db: Database) {
  return db
    .select({
      id: users.id,
      email: users.email,
      createdAt: users.createdAt,
      accessVersion: users.accessVersion,
      sessionId: refreshSessions.id,
      sessionExpiresAt: refreshSessions.expiresAt,
    })
    .from(users)
    .innerJoin(refreshSessions, eq(refreshSessions.userId, users.id))
    .where(
      and(
        eq(users.id, sql.placeholder("userId")),
        isNull(users.disabledAt),
        isNull(users.deletedAt),
        eq(refreshSessions.id, sql.placeholder("sessionId")),
        isLiveSession(),
      ),
    )
    .prepare("authenticate");
}

const authenticationQueries = new WeakMap<Database, ReturnType<typeof prepareAuthentication>>();

async function issueTokens(
  deps: Pick<Dependencies, "db" | "accessTokens">,
  user: { id: string; email: string; createdAt: Date },
  session: { id: string; expiresAt: Date },
  refreshToken: string,
): Promise<SessionTokens> {
  const [access, roles] = await Promise.all([deps.accessTokens.issue(user.id, session.id), rolesOf(deps.db, user.id)]);
  return {
    user: { id: user.id, email: user.email, roles, createdAt: user.createdAt },
    sessionId: session.id,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: session.expiresAt,
  };
}

export async function rolesOf(db: Database, userId: string): Promise<RoleName[]> {
  const rows = await db
    .select({ role: userRoles.roleName })
    .from(userRoles)
    .where(eq(userRoles.userId, userId))
    .orderBy(userRoles.roleName);
  return rows.map((row) => row.role as RoleName);
}
