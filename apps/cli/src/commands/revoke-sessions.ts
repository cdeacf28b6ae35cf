import {
  createInProcessEventBus,
  createRedisEventBus,
  findUserByEmail,
  revokeAllSessions,
  sessionInvalidator,
  systemActor,
} from "@seed/api";
import { Redis } from "ioredis";
import { CommandError, requiredArgument, type Command } from "../command";
import { withDatabase } from "../database";

export const revokeSessionsCommand: Command = {
  usage: "<email>",
  summary: "Sign a user out everywhere; their access tokens stop working on their next request",
  async run(io) {
    const email = requiredArgument(io, "the user's email address");
    const { config } = io;
    // With Redis, the servers hear of it at once and tell the user's open subscriptions.
    const redis = config.redis.url ? new Redis(config.redis.url, { maxRetriesPerRequest: 2 }) : null;
    const events = redis ? createRedisEventBus(redis, config.redis.keyPrefix) : createInProcessEventBus();
    try {
      const { revoked } = await withDatabase(config, async ({ db }) => {
        const user = await findUserByEmail(db, email);
        if (!user) throw new CommandError(`no account has the address ${email}`);
        return revokeAllSessions(
          { db, events, sessionCache: sessionInvalidator(events), log: io.log },
          systemActor,
          user.id,
        );
      });
      io.out.write(`Revoked ${revoked} session${revoked === 1 ? "" : "s"} of ${email}.\n`);
      // Without Redis there is no way to reach the servers: they see it when their memory of the
      // session runs out.
      if (!redis) io.out.write("Running servers refuse its tokens within 30 s.\n");
    } finally {
      await events.close();
      redis?.disconnect();
    }
  },
};
