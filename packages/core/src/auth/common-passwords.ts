import { createRequire } from "node:module";
import type * as LanguageCommon from "@zxcvbn-ts/language-common";

const load = createRequire(import.meta.url);
// Resolved at start-up, so that a server without the package fails then, not on a password check.
const DICTIONARY = load.resolve("@zxcvbn-ts/language-common");

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * True for the passwords attackers try first: the ~49,000 most common ones from breach corpora,
 * as shipped by zxcvbn-ts, compared without regard to case. Built on first use.
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadCommonPasswords();
  return commonPasswords.has(password.toLowerCase());
}

/**
 * The dictionary is loaded with the first check rather than at start-up, where it held about
 * 2.5 MiB of every server's memory; synchronously, as zod checks an input synchronously.
 */
function loadCommonPasswords(): ReadonlySet<string> {
  const { dictionary } = load(DICTIONARY) as typeof LanguageCommon;
  return new Set(dictionary["passwords-common"].map((entry) => entry.toLowerCase()));
}
