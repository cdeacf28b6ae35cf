import { hash, verify, type Algorithm, type Options } from "@node-rs/argon2";

// `Algorithm` is a const enum, which isolated modules cannot read at run time; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm.Argon2id;

export interface PasswordHashingCost {
  memoryKiB: number;
  passes: number;
  lanes: number;
}

/** OWASP's recommended argon2id floor: 19 MiB, two passes, one lane. */
let argon2Options: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Sets the cost of new hashes, once at start-up (ARGON2_* in the configuration). Existing hashes
 * carry their own parameters and keep verifying after a change.
 */
export function configurePasswordHashing(cost: PasswordHashingCost): void {
  argon2Options = { algorithm: ARGON2ID, memoryCost: cost.memoryKiB, timeCost: cost.passes, parallelism: cost.lanes };
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

let dummyHash: Promise<string> | undefined;

/**
 * Whether `password` is the account's. An account without a password (null: it signs in through
 * an identity provider), or no account at all, matches nothing, after the same work as a real
 * check: how long a sign-in takes must not tell which accounts exist or have a password.
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    dummyHash ??= hashPassword("an unguessable placeholder for absent passwords");
    await verifyHash(await dummyHash, password);
    return false;
  }
  return verifyHash(passwordHash, password);
}

async function verifyHash(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
