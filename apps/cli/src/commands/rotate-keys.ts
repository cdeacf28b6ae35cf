import { deriveSealingKey, rotateSigningKey } from "@seed/core";
import { CommandError, type Command } from "../command";
import { withDatabase } from "../database";

export const rotateKeysCommand: Command = {
  usage: "",
  summary: "Start signing access tokens with a new key; the previous one verifies until its tokens expire",
  async run({ config, out }) {
    if (config.auth.algorithm !== "EdDSA") {
      throw new CommandError("JWT_ALGORITHM is not EdDSA: there is no key set to rotate");
    }
    if (config.auth.jwtSecretIsEphemeral) {
      throw new CommandError("JWT_SECRET is not set: the new key could not be opened later");
    }
    const kid = await withDatabase(config, ({ db }) =>
      rotateSigningKey(db, deriveSealingKey(config.auth.jwtSecret, "signing key")),
    );
    out.write(`New signing key ${kid}. Servers sign with it within a minute.\n`);
  },
};
