import { z } from "zod";
import { pageLimitSchema, permissionSchema } from "../shared/validators";
import { textSchema } from "../shared/text";

/** The longest lifetime the schema lets through; the server's own maximum is usually far shorter. */
export const API_KEY_LIFETIME_CEILING_DAYS = 3650;
export const DEFAULT_API_KEY_LIFETIME_DAYS = 30;

const MAX_METADATA_ENTRIES = 20;
/** Metadata is for the owner's notes, not for storage: its JSON stays under this many bytes. */
export const MAX_METADATA_BYTES = 2048;

export const apiKeyScopesSchema = z
  .array(permissionSchema)
  .min(1, "Choose at least one permission for the key")
  .refine((scopes) => new Set(scopes).size === scopes.length, "Each permission may be named once");

/** Flat pairs of short names and plain values, like labels: small, and safe to show and log. */
export const apiKeyMetadataSchema = z
  .record(textSchema.min(1).max(64), z.union([textSchema.max(500), z.number().finite(), z.boolean(), z.null()]))
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_ENTRIES, {
    message: `Metadata holds at most ${MAX_METADATA_ENTRIES} entries`,
  })
  .refine((metadata) => Buffer.byteLength(JSON.stringify(metadata)) <= MAX_METADATA_BYTES, {
    message: `Metadata must stay under ${MAX_METADATA_BYTES} bytes of JSON`,
  });
export type ApiKeyMetadata = z.infer<typeof apiKeyMetadataSchema>;

/** At most `limit` calls per interval, counted from the first call of each interval. */
export const apiKeyQuotaSchema = z.object({
  limit: z.number().int().min(1).max(1_000_000_000),
  intervalSeconds: z
    .number()
    .int()
    .min(60, "The interval is at least a minute")
    .max(31 * 24 * 3600, "The interval is at most 31 days"),
});
export type ApiKeyQuota = z.infer<typeof apiKeyQuotaSchema>;

export const apiKeyCreationSchema = z.object({
  name: textSchema.trim().min(1, "Name the key").max(100),
  scopes: apiKeyScopesSchema,
  /** Every key expires; the server caps the lifetime (API_KEY_MAX_LIFETIME_DAYS). */
  expiresInDays: z.number().int().min(1).max(API_KEY_LIFETIME_CEILING_DAYS).default(DEFAULT_API_KEY_LIFETIME_DAYS),
  quota: apiKeyQuotaSchema.optional(),
  metadata: apiKeyMetadataSchema.optional(),
});
export type ApiKeyCreation = z.infer<typeof apiKeyCreationSchema>;

/** A key as its owner and administrators see it: never its secret, nor the secret's hash. */
export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  /** `seed_` and the key's public id: the start of the key, to tell keys apart. */
  prefix: z.string(),
  scopes: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  quota: apiKeyQuotaSchema.nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  lastUsedIp: z.string().nullable(),
});
export type ApiKeySummary = z.infer<typeof apiKeySchema>;

/** The answer to a creation: the only time the whole key is shown. */
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() });

export const apiKeyIdSchema = z.object({ keyId: z.uuid() });
export const apiKeyRevokedSchema = z.object({ revoked: z.literal(true) });

export const apiKeyDirectoryQuerySchema = z.object({
  userId: z.uuid().optional(),
  cursor: z.uuid().optional(),
  limit: pageLimitSchema,
});

export const ownedApiKeySchema = apiKeySchema.extend({ userId: z.uuid(), ownerEmail: z.string() });
export const apiKeyDirectoryPageSchema = z.object({
  items: z.array(ownedApiKeySchema),
  nextCursor: z.uuid().nullable(),
});
