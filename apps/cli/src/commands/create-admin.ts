import { ADMIN_ROLE, allPermissions, emailSchema } from "@seed/core";
import { CommandError, requiredArgument, type Command } from "../command";
import { findAccount, withSystemCaller } from "../system-caller";

type Outcome = "invited" | "promoted" | "already-admin";

export const createAdminCommand: Command = {
  usage: "<email>",
  summary: "Make an account an admin; a new account is invited to choose its password by mail",
  async run(io) {
    const email = emailSchema.safeParse(requiredArgument(io, "the admin's email address"));
    if (!email.success) throw new CommandError(`not an email address: ${io.args[0]}`);

    // Only a holder of every permission may hand out the admin role, which grants them all.
    const { result: outcome, reachedServers } = await withSystemCaller(
      io,
      allPermissions,
      async (caller): Promise<Outcome> => {
        const existing = await findAccount(caller, email.data);
        if (!existing) {
          await caller.admin.users.create({ email: email.data, roles: [ADMIN_ROLE] });
          return "invited";
        }
        if (existing.roles.includes(ADMIN_ROLE)) return "already-admin";
        await caller.admin.roles.assign({ userId: existing.id, role: ADMIN_ROLE });
        return "promoted";
      },
    );
    const said: Record<Outcome, string> = {
      invited: `Invited ${email.data} as an admin: a link to choose a password was mailed to them.`,
      promoted: `${email.data} is now an admin.`,
      "already-admin": `${email.data} was already an admin; nothing changed.`,
    };
    io.out.write(`${said[outcome]}\n`);
    if (outcome === "promoted" && !reachedServers) io.out.write("Running servers apply it within 30 s.\n");
  },
};
