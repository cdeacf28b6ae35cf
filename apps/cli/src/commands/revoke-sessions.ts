import { findUserByEmail, revokeAllSessions, sessionInvalidator, systemActor } from "@seed/core";
import { CommandError, requiredArgument, type Command } from "../command";
import { withDatabase } from "../database";
import { withEventBus } from "../event-bus";

export const revokeSessionsCommand: Command = {
  usage: "<email>",
  summary: "Sign a user out everywhere; their access tokens stop working on their next request",
  async run(io) {
    const email = requiredArgument(io, "the user's email address");
    // With Redis, the servers hear of it at once and tell the user's open subscriptions.
    const { result, reachedServers } = await withEventBus(io.config, io.log, (events) =>
      withDatabase(io.config, async ({ db }) => {
        const user = await findUserByEmail(db, email);
        if (!user) throw new CommandError(`no account has the address ${email}`);
        const deps = { db, events, sessionCache: sessionInvalidator(events), log: io.log };
        return revokeAllSessions(deps, systemActor, user.id);
      }),
    );
    io.out.write(`Revoked ${result.revoked} session${result.revoked === 1 ? "" : "s"} of ${email}.\n`);
    if (!reachedServers) io.out.write("Running servers refuse its tokens within 30 s.\n");
  },
};
