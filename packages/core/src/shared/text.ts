import { z } from "zod";

/** Postgres stores no NUL character in text, and refuses the whole statement that carries one. */
const NUL_CHARACTER = "\u0000";
/**
 * Half of a UTF-16 surrogate pair without its other half: it has no UTF-8 encoding, so Postgres
 * refuses it in jsonb (the audit log) and drivers mangle it in text.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EVERY_LONE_SURROGATE = new RegExp(LONE_SURROGATE.source, "g");

/**
 * The string every input is made of: whatever a client sends as text can be stored, compared
 * and logged, or is refused as invalid input before any query runs. Routers and schemas build on
 * it (`textSchema.trim().max(200)`) instead of `z.string()`; test/fuzz/text-inputs.test.ts walks
 * every procedure's input to prove none was left out.
 */
export const textSchema = z
  .string()
  .refine((text) => !text.includes(NUL_CHARACTER), "Text must not contain the NUL character (\\u0000)")
  .refine((text) => !LONE_SURROGATE.test(text), "Text must be valid Unicode: it holds half of a surrogate pair");

/**
 * Text in an answer, read back from Postgres: it passed `textSchema` when it was written, and
 * what that refuses Postgres cannot store, so checking an answer needs only the type and the
 * bounds. Checking the rules again cost half the product list's output check.
 */
export const storedTextSchema = z.string();

/**
 * Text from outside that is kept, not judged (what another server answered): what Postgres cannot
 * store is dropped instead of refused, since refusing it would lose the rest as well.
 */
export function storableText(text: string): string {
  return text.replaceAll(NUL_CHARACTER, "").replace(EVERY_LONE_SURROGATE, "");
}

/**
 * Orders strings by their UTF-16 code units, as `<` does: the same order on every machine and in
 * every locale, without the collation data `localeCompare` loads.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
