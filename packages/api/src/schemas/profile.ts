import { z } from "zod";
import { emailSchema, opaqueTokenSchema, passwordAttemptSchema, roleSchema } from "../validators";

/** The profile's only user-editable field; roles, verification and the address have their own flows. */
export const profileUpdateSchema = z.strictObject({
  displayName: z.string().trim().min(1).max(100).nullable(),
});
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

export const emailChangeSchema = z.strictObject({ newEmail: emailSchema, password: passwordAttemptSchema });
export const emailChangeConfirmationSchema = z.strictObject({ token: opaqueTokenSchema });
export const accountDeletionSchema = z.strictObject({ password: passwordAttemptSchema });

export const profileSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  emailVerified: z.boolean(),
  roles: z.array(roleSchema),
  createdAt: z.date(),
});
export type Profile = z.infer<typeof profileSchema>;
