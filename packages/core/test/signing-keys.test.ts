import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { signingKeys } from "@seed/db";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { eq } from "drizzle-orm";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@seed/platform";
import {
  type AccessTokenService,
  createAccessTokenService,
  deriveSealingKey,
  rotateSigningKey,
  signingKeySet,
} from "../src";

const rules = { issuer: "seed-test", audience: "seed-test-api", ttlSeconds: 300 };
const serverSecret = randomBytes(32);
const sealingKey = deriveSealingKey(serverSecret, "signing key");
const userId = randomUUID();
const sessionId = randomUUID();

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.destroy());

/** One server instance's view of the key set. */
async function instance(key: Uint8Array = sealingKey): Promise<AccessTokenService> {
  const keys = await signingKeySet({ db: database.connection.db, sealingKey: key, verifyAfterRetirementMs: 305_000 });
  return createAccessTokenService(rules, keys);
}

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());

async function refused(service: AccessTokenService, token: string): Promise<void> {
  const error = await service.verify(token).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("UNAUTHENTICATED");
}

describe("access tokens signed by the key set", () => {
  it("are EdDSA with a kid, and verify with the published keys alone, as another service would", async () => {
    const service = await instance();
    const { token } = await service.issue(userId, sessionId);
    expect(headerOf(token)).toEqual({ alg: "EdDSA", typ: "JWT", kid: expect.any(String) });

    const jwks = await service.jwks();
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), rules);
    expect(payload).toMatchObject({ sub: userId, sid: sessionId });
    await expect(service.verify(token)).resolves.toMatchObject({ userId, sessionId });
  });

  it("keeps the private keys sealed in the database", async () => {
    const rows = await database.connection.db.select().from(signingKeys);
    for (const row of rows) {
      expect(row.privateKeySealed).toMatch(/^v1\./);
      expect(row.privateKeySealed).not.toContain("PRIVATE KEY");
    }
  });

  it("refuses an HS256 token keyed with the public key (algorithm confusion)", async () => {
    const service = await instance();
    const [jwk] = (await service.jwks()).keys;
    const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: jwk!.kid })).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: rules.issuer,
      aud: rules.audience,
      sub: userId,
      sid: sessionId,
      jti: randomUUID(),
      iat: now,
      nbf: now,
      exp: now + 60,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    for (const publicKey of [jwk!.x!, JSON.stringify(jwk)]) {
      const mac = createHmac("sha256", publicKey).update(`${header}.${payload}`).digest("base64url");
      await refused(service, `${header}.${payload}.${mac}`);
    }
  });

  it("refuses a token naming an unknown kid, or signed by a key outside the set", async () => {
    const service = await instance();
    const { token } = await service.issue(userId, sessionId);
    const [, payload, signature] = token.split(".");
    const otherKid = Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "JWT", kid: randomUUID() })).toString("base64url");
    await refused(service, `${otherKid}.${payload}.${signature}`);

    const { privateKey } = generateKeyPairSync("ed25519");
    const foreign = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: "EdDSA", kid: headerOf(token).kid })
      .setIssuer(rules.issuer)
      .setAudience(rules.audience)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("1m")
      .sign(privateKey);
    await refused(service, foreign);
  });

  it("rotates: new tokens carry the new key, old ones verify until they expire, everywhere", async () => {
    const instanceA = await instance();
    const instanceB = await instance();
    const before = await instanceA.issue(userId, sessionId);

    const newKid = await rotateSigningKey(database.connection.db, sealingKey);
    const rotatedOn = await instance();
    const after = await rotatedOn.issue(userId, sessionId);
    expect(headerOf(after.token).kid).toBe(newKid);
    expect((await rotatedOn.jwks()).keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([newKid, headerOf(before.token).kid]),
    );

    // B loaded its keys before the rotation: a token with the new kid makes it read them again.
    await expect(instanceB.verify(after.token)).resolves.toMatchObject({ userId });
    await expect(rotatedOn.verify(before.token)).resolves.toMatchObject({ userId });
  });

  it("stops verifying a retired key once its last token has expired", async () => {
    const service = await instance();
    const old = await service.issue(userId, sessionId);
    await rotateSigningKey(database.connection.db, sealingKey);
    // The key that signed `old` was retired long ago: every token it signed has expired.
    await database.connection.db
      .update(signingKeys)
      .set({ retiredAt: new Date(Date.now() - 3_600_000) })
      .where(eq(signingKeys.kid, headerOf(old.token).kid));
    const later = await instance();
    await refused(later, old.token);
    expect((await later.jwks()).keys.map((key) => key.kid)).not.toContain(headerOf(old.token).kid);
  });

  it("still verifies old tokens after a restart with another server secret, and signs with a new key", async () => {
    const before = await (await instance()).issue(userId, sessionId);
    const restarted = await instance(deriveSealingKey(randomBytes(32), "signing key"));
    await expect(restarted.verify(before.token)).resolves.toMatchObject({ userId });
    const after = await restarted.issue(userId, sessionId);
    expect(headerOf(after.token).kid).not.toBe(headerOf(before.token).kid);
  });
});
