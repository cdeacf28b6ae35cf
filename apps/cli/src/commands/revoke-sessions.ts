import { allPermissions } from "@seed/core";
import type { Command } from "../command";
import { accountArgument, withSystemCaller } from "../system-caller";

export const revokeSessionsCommand: Command = {
  usage: "<email>",
  summary: "Sign a user out everywhere; their access tokens stop working on their next request",
  async run(io) {
    // With Redis, the servers hear of it at once and tell the user's open subscriptions. As for
    // the other commands on an account (see `accountCommand`), the CLI holds every permission:
    // nobody signs out an account that holds more than they do, and the account may be an admin's.
    const { result, reachedServers } = await withSystemCaller(io, allPermissions, async (caller) =>
      caller.admin.users.revokeSessions({ userId: (await accountArgument(io, caller)).id }),
    );
    const email = io.args[0];
    io.out.write(`Revoked ${result.revoked} session${result.revoked === 1 ? "" : "s"} of ${email}.\n`);
    if (!reachedServers) io.out.write("Running servers refuse its tokens within 30 s.\n");
  },
};
