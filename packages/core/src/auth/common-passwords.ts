import { dictionary } from "@zxcvbn-ts/language-common";

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * True for the passwords attackers try first: the ~49,000 most common ones from breach corpora,
 * as shipped by zxcvbn-ts, compared without regard to case. Built on first use.
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary["passwords-common"].map((entry) => entry.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}
