import { randomBytes } from "node:crypto";
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

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * For an account that has no password (made through an identity provider): a real hash of a
 * secret nobody knows, so a password login for it takes the usual time and can never succeed.
 */
export function unusablePasswordHash(): Promise<string> {
  return hashPassword(randomBytes(32).toString("base64url"));
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real password, so that a login for an unknown email
 * cannot be told apart from a wrong password by how long it takes.
 */
export async function verifyAgainstDummyHash(password: string): Promise<false> {
  dummyHash ??= hashPassword("an unguessable placeholder for absent accounts");
  await verifyPassword(await dummyHash, password);
  return false;
}
