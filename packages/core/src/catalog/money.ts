import { z } from "zod";
import { textSchema } from "../shared/text";

/** Integer minor units (cents) and an ISO 4217 code: amounts are never floats. */
export const moneySchema = z.object({
  amount: z.number().int().min(0).max(1_000_000_000),
  currency: textSchema.regex(/^[A-Z]{3}$/, "Currency must be an ISO 4217 code such as EUR"),
});
export type Money = z.infer<typeof moneySchema>;
