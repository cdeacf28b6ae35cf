import {
  createInProcessEventBus,
  createRedisEventBus,
  createSessionCache,
  findUserByEmail,
  revokeAllSessions,
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
    // This process remembers no sessions; the cache is how invalidations are announced.
    const sessionCache = createSessionCache(events);
    try {
      const { revoked } = await withDatabase(config, async ({ db }) => {
        const user = await findUserByEmail(db, email);
        if (!user) throw new CommandError(`no account has the address ${email}`);
        return revokeAllSessions({ db, events, sessionCache, log: io.log }, systemActor, user.id);
      });
      io.out.write(`Revoked ${revoked} session${revoked === 1 ? "" : "s"} of ${email}.\n`);
    } finally {
      await sessionCache.close();
      await events.close();
      redis?.disconnect();
    }
  },
};
