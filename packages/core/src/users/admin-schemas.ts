import { z } from "zod";
import { permissionSchema, roleSchema } from "../shared/validators";

/** A user as the directory lists them. */
export const directoryUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  createdAt: z.date(),
  roles: z.array(z.string()),
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
