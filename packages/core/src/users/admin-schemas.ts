import { z } from "zod";
import { emailSchema, newPasswordSchema, opaqueTokenSchema, permissionSchema, roleSchema } from "../shared/validators";
import { textSchema } from "../shared/text";

/** A user as the directory lists them. */
export const directoryUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  createdAt: z.date(),
  roles: z.array(z.string()),
  /** When an administrator disabled the account; null while it may sign in. */
  disabledAt: z.date().nullable(),
  /** Whether the account still waits for its owner to take up the invitation, which may be sent again. */
  invitationPending: z.boolean(),
});
export const directoryPageSchema = z.object({ items: z.array(directoryUserSchema), nextCursor: z.string().nullable() });

export const permissionGrantSchema = z.object({
  userId: z.uuid(),
  permissionName: z.string(),
  expiresAt: z.date().nullable(),
  grantedBy: z.uuid().nullable(),
  reason: z.string(),
  createdAt: z.date(),
});

/** One user as an administrator sees them: roles, direct grants and how many sessions are live. */
export const userDetailsSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  disabledAt: z.date().nullable(),
  /** Whether the account has a confirmed authenticator, which an administrator may reset. */
  mfaEnabled: z.boolean(),
  roles: z.array(z.string()),
  grants: z.array(
    permissionGrantSchema.omit({ userId: true, permissionName: true }).extend({ permission: z.string() }),
  ),
  activeSessions: z.number().int(),
});

export const roleCatalogSchema = z.array(
  z.object({ name: roleSchema, description: z.string(), permissions: z.array(permissionSchema) }),
);
/** The user's roles after the change. */
export const userRolesSchema = z.array(roleSchema);

export const permissionCatalogSchema = z.array(z.object({ name: permissionSchema, description: z.string() }));
export const permissionRevokedSchema = z.object({ revoked: z.literal(true) });

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.date(),
  actorId: z.uuid().nullable(),
  action: z.string(),
  resource: z.string(),
  resourceId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
});
export const auditPageSchema = z.object({ items: z.array(auditEntrySchema), nextCursor: z.number().int().nullable() });

export const securityEventSchema = z.object({
  id: z.number().int(),
  at: z.date(),
  type: z.string(),
  userId: z.uuid().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.unknown(),
});
export const securityEventPageSchema = z.object({
  items: z.array(securityEventSchema),
  nextCursor: z.number().int().nullable(),
});

export const jobCountsSchema = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
});

/** A job that failed for good; its payload as the job's definition lets it be shown. */
export const deadLetterSchema = z.object({
  id: z.string(),
  name: z.string(),
  payload: z.unknown(),
  error: z.string(),
  attempts: z.number().int(),
  failedAt: z.date().nullable(),
});

/** What an administrator gives to create an account: it starts without a password. */
export const userInvitationSchema = z.strictObject({
  email: emailSchema,
  displayName: textSchema.trim().min(1).max(100).optional(),
  /** The account's roles; the default role when none are given. */
  roles: z.array(roleSchema).max(10).optional(),
});
export type UserInvitation = z.infer<typeof userInvitationSchema>;

export const invitedUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(roleSchema),
  createdAt: z.date(),
});

/** The account whose invitation was mailed again. */
export const invitationResentSchema = z.object({ id: z.uuid(), email: z.string() });

export const invitationAcceptanceSchema = z.strictObject({ token: opaqueTokenSchema, password: newPasswordSchema });
export const invitationAcceptedSchema = z.object({ accepted: z.literal(true) });

export const userStatusSchema = z.object({ id: z.uuid(), disabledAt: z.date().nullable() });
export const userDeletedSchema = z.object({ deleted: z.literal(true) });
export const mfaResetSchema = z.object({ reset: z.literal(true) });
