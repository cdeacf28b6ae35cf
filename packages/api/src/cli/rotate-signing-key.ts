import { loadConfig } from "@seed/config";
import { createDatabase } from "@seed/db";
import { rotateSigningKey } from "../services/access-tokens";
import { deriveSealingKey } from "../services/sealing";

const config = loadConfig();
const connection = await createDatabase({ url: config.database.url, dataDir: config.database.dataDir });
try {
  if (config.auth.algorithm !== "EdDSA") throw new Error("JWT_ALGORITHM is not EdDSA: there is no key set to rotate");
  if (config.auth.jwtSecretIsEphemeral) throw new Error("JWT_SECRET is not set: the new key could not be opened later");
  await connection.migrate();
  const kid = await rotateSigningKey(connection.db, deriveSealingKey(config.auth.jwtSecret, "signing key"));
  console.log(
    `New signing key ${kid}. Servers sign with it within a minute; the previous key verifies until its tokens expire.`,
  );
} catch (error) {
  console.error(`Key rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
