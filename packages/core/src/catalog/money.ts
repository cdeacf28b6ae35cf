import { z } from "zod";

/** Integer minor units (cents) and an ISO 4217 code: amounts are never floats. */
export const moneySchema = z.object({
  amount: z.number().int().min(0).max(1_000_000_000),
  // Three capital letters hold nothing Postgres cannot store, so textSchema's rules add nothing
  // here; without them, an answer's currency is checked without calling back into zod.
  currency: z.string().regex(/^[A-Z]{3}$/, "Currency must be an ISO 4217 code such as EUR"),
});
export type Money = z.infer<typeof moneySchema>;
