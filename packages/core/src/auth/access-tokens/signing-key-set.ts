import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import { signingKeys, type Database } from "@seed/db";
import { desc, gt, isNull, or, sql } from "drizzle-orm";
import { errors, exportJWK, type JWK } from "jose";
import { seal, unseal } from "../../shared/sealing";
import type { KeySource } from "./access-token-service";

const ALGORITHM = "EdDSA";
// Any constant shared by every instance; it only serialises the creation of a first key.
const KEY_CREATION_LOCK_ID = 0x5eed_5e7;
/** Another instance may have rotated: keys are read again at most this long after the last read. */
const RELOAD_AFTER_MS = 60_000;

interface LoadedKeys {
  signer: { kid: string; key: KeyObject };
  verifiers: Map<string, KeyObject>;
  jwks: JWK[];
  loadedAt: number;
}

export interface SigningKeySetOptions {
  db: Database;
  /** Seals the private keys in the database (`deriveSealingKey(secret, "signing key")`). */
  sealingKey: Uint8Array;
  /** How long a retired key keeps verifying: the life of the last token it signed. */
  verifyAfterRetirementMs: number;
}

/**
 * Ed25519 key pairs kept in the database, so that every instance signs with the same key and
 * other services can verify with the published public keys. A rotation adds a key that signs
 * from then on; the retired one verifies until its tokens have expired.
 */
export async function signingKeySet(options: SigningKeySetOptions): Promise<KeySource> {
  let current = await load(options);
  let reloading: Promise<LoadedKeys> | null = null;
  const reload = () => {
    reloading ??= load(options).finally(() => {
      reloading = null;
    });
    return reloading.then((keys) => (current = keys));
  };

  return {
    algorithm: ALGORITHM,
    async signingKey() {
      if (Date.now() - current.loadedAt > RELOAD_AFTER_MS) await reload();
      return current.signer;
    },
    async verificationKey(header) {
      const kid = header.kid ?? "";
      let key = current.verifiers.get(kid);
      // A kid this instance has not seen may be another instance's fresh rotation: the keys are
      // read again (one small query, shared by concurrent requests, no dearer than the session
      // check every authenticated request makes).
      if (!key && header.kid) key = (await reload()).verifiers.get(kid);
      if (!key) throw new errors.JWKSNoMatchingKey();
      return key;
    },
    async jwks() {
      return { keys: current.jwks };
    },
  };
}

/** Makes a new key the signer and retires the previous ones; resolves with the new key's id. */
export async function rotateSigningKey(db: Database, sealingKey: Uint8Array): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.update(signingKeys).set({ retiredAt: new Date() }).where(isNull(signingKeys.retiredAt));
    const key = await newSigningKey(sealingKey);
    await tx.insert(signingKeys).values(key);
    return key.kid;
  });
}

async function newSigningKey(sealingKey: Uint8Array) {
  const kid = randomUUID();
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: "sig" };
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { kid, algorithm: ALGORITHM, publicJwk, privateKeySealed: seal(sealingKey, kid, pem) };
}

async function load(options: SigningKeySetOptions): Promise<LoadedKeys> {
  let verifying = await usableKeys(options);
  let signer = signerAmong(verifying, options.sealingKey);
  if (!signer) {
    signer = await createFirstSigner(options);
    verifying = await usableKeys(options);
  }
  return {
    signer,
    verifiers: new Map(
      verifying.map((row) => [row.kid, createPublicKey({ key: row.publicJwk as JWK, format: "jwk" })]),
    ),
    jwks: verifying.map((row) => row.publicJwk as JWK),
    loadedAt: Date.now(),
  };
}

function usableKeys(options: SigningKeySetOptions) {
  const oldestUseful = new Date(Date.now() - options.verifyAfterRetirementMs);
  return options.db
    .select()
    .from(signingKeys)
    .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, oldestUseful)))
    .orderBy(desc(signingKeys.createdAt));
}

/**
 * The newest active key this instance can open. A key sealed under another server secret (a
 * development server restarted without JWT_SECRET) cannot sign here, but its public half still
 * verifies the tokens it signed.
 */
function signerAmong(
  rows: { kid: string; retiredAt: Date | null; privateKeySealed: string }[],
  sealingKey: Uint8Array,
): { kid: string; key: KeyObject } | null {
  for (const row of rows.filter((candidate) => candidate.retiredAt === null)) {
    try {
      return { kid: row.kid, key: createPrivateKey(unseal(sealingKey, row.kid, row.privateKeySealed)) };
    } catch {
      continue;
    }
  }
  return null;
}

/** Several instances may start together on an empty table: one creates the key, the others use it. */
async function createFirstSigner(options: SigningKeySetOptions): Promise<{ kid: string; key: KeyObject }> {
  return options.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${KEY_CREATION_LOCK_ID})`);
    const active = await tx
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt));
    const existing = signerAmong(active, options.sealingKey);
    if (existing) return existing;
    const key = await newSigningKey(options.sealingKey);
    await tx.insert(signingKeys).values(key);
    return { kid: key.kid, key: createPrivateKey(unseal(options.sealingKey, key.kid, key.privateKeySealed)) };
  });
}
