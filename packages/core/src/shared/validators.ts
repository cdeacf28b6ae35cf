import { z } from "zod";
import { allPermissions, roleNames, type Permission, type RoleName } from "../access/catalog";
import { isCommonPassword } from "../auth/common-passwords";
import { OPAQUE_TOKEN_PATTERN } from "./opaque-tokens";
import { textSchema } from "./text";

export const emailSchema = textSchema
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "Invalid email address" }))
  // Deleted accounts are renamed into the reserved `.invalid` domain; nobody may sign up there.
  .refine((email) => !email.endsWith(".invalid"), "Invalid email address");

/**
 * Long enough to resist guessing, not among the passwords tried first, and capped so that
 * hashing cannot be used to exhaust the CPU.
 */
export const newPasswordSchema = textSchema
  .min(8, "Password must be at least 8 characters")
  .max(128, "Password must be at most 128 characters")
  .refine((password) => !isCommonPassword(password), "This password is too common; choose another");

/** Any stored password may be tried, but nothing longer than a password can be. */
export const passwordAttemptSchema = textSchema.min(1, "Password is required").max(128, "Password is too long");

/**
 * The password, asked for again before a change a stolen session must not make. Required of
 * every account that has one (the service refuses such an account that leaves it out); left out
 * by an account made through an identity provider, which has none and proves itself by a recent
 * sign-in instead (`users.me` tells which: `hasPassword`).
 */
export const passwordConfirmationSchema = passwordAttemptSchema.optional();

export const credentialsSchema = z.object({ email: emailSchema, password: passwordAttemptSchema });
export const registrationSchema = z.object({ email: emailSchema, password: newPasswordSchema });

/**
 * The one answer to a registration, whether the address was free or taken: a mail went to it
 * (a link to confirm it, or a notice to the owner of the account it already has).
 */
export const registrationResultSchema = z.object({ sent: z.literal(true) });

export const opaqueTokenSchema = textSchema.regex(OPAQUE_TOKEN_PATTERN, "Malformed token");

/** A refresh token may come in the body (non-browser clients) or in the HttpOnly cookie. */
export const refreshTokenInputSchema = z
  .object({ refreshToken: textSchema.regex(OPAQUE_TOKEN_PATTERN, "Malformed refresh token").optional() })
  .optional();

export const roleSchema = z.enum(roleNames as [RoleName, ...RoleName[]]);
export const permissionSchema = z.enum(allPermissions as [Permission, ...Permission[]]);

export const publicUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  roles: z.array(roleSchema),
  createdAt: z.date(),
});
export type PublicUser = z.infer<typeof publicUserSchema>;

export const sessionTokensSchema = z.object({
  user: publicUserSchema,
  sessionId: z.uuid(),
  accessToken: z.string(),
  accessTokenExpiresAt: z.date(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.date(),
});
export type SessionTokens = z.infer<typeof sessionTokensSchema>;

/**
 * A correct password signs in at once, or, when the account has an authenticator, earns a
 * challenge to complete with a code (`auth.mfa.verify`).
 */
export const loginResultSchema = z.discriminatedUnion("status", [
  sessionTokensSchema.extend({ status: z.literal("signed-in") }),
  z.object({ status: z.literal("mfa-required"), challenge: z.string(), challengeExpiresAt: z.date() }),
]);
export type LoginResult = z.infer<typeof loginResultSchema>;

export const userIdSchema = z.object({ userId: z.uuid() });

/** Page sizes are capped: no caller can ask the database for an unbounded list. */
export const pageLimitSchema = z.number().int().min(1).max(100).default(50);

/**
 * A date the database can store and compare: Postgres parses no year past 9999 in the form the
 * driver sends, so a farther date would fail the query instead of being refused as input.
 */
export const storableDateSchema = z
  .date()
  .min(new Date("1970-01-01T00:00:00.000Z"), "Date must be in 1970 or later")
  .max(new Date("9999-12-31T23:59:59.999Z"), "Date must be in 9999 or earlier");

/**
 * tRPC's infinite queries (TanStack Query) add the paging direction to the input. Pages are
 * keyset pages that only go forward, so that is the one direction accepted.
 */
export const pageDirectionSchema = z.literal("forward").optional();

export const timeRangeSchema = {
  from: storableDateSchema.optional(),
  to: storableDateSchema.optional(),
};

/** The answer of a procedure that answers nothing: its outcome is that it did not fail. */
export const noAnswerSchema = z.void();
