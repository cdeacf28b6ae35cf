import { z } from "zod";
import { emailSchema, opaqueTokenSchema, passwordConfirmationSchema, roleSchema } from "../shared/validators";
import { textSchema } from "../shared/text";

/** The profile's only user-editable field; roles, verification and the address have their own flows. */
export const profileUpdateSchema = z.strictObject({
  displayName: textSchema.trim().min(1).max(100).nullable(),
});
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

export const emailChangeSchema = z.strictObject({ newEmail: emailSchema, password: passwordConfirmationSchema });
export const emailChangeConfirmationSchema = z.strictObject({ token: opaqueTokenSchema });
export const accountDeletionSchema = z.strictObject({ password: passwordConfirmationSchema });

export const profileSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  emailVerified: z.boolean(),
  /** False for an account made through an identity provider: it confirms changes by signing in again. */
  hasPassword: z.boolean(),
  roles: z.array(roleSchema),
  createdAt: z.date(),
});
export type Profile = z.infer<typeof profileSchema>;
