import { allPermissions, DEFAULT_ROLE, emailSchema, roleCatalog, roleSchema } from "@seed/core";
import { z } from "zod";
import { CommandError, type Command, type CommandIo } from "../command";
import { accountArgument, withSystemCaller, type SystemCaller } from "../system-caller";

/**
 * A command on one existing account, named by its address: it runs one procedure of the admin
 * router as the CLI. Nobody acts on an account that holds more than they do, and the account may
 * be an admin's: the CLI holds every permission here, since whoever runs it holds the database
 * and its configuration already (it is how an operator recovers an admin account).
 */
function accountCommand(options: {
  summary: string;
  act: (caller: SystemCaller, userId: string) => Promise<unknown>;
  done: (email: string) => string;
  /** What running servers do when Redis could not tell them; nothing to say when they need not know. */
  unannounced?: string;
}): Command {
  return {
    usage: "<email>",
    summary: options.summary,
    async run(io) {
      const { reachedServers } = await withSystemCaller(io, allPermissions, async (caller) =>
        options.act(caller, (await accountArgument(io, caller)).id),
      );
      io.out.write(`${options.done(io.args[0]!)}\n`);
      if (options.unannounced && !reachedServers) io.out.write(`${options.unannounced}\n`);
    },
  };
}

export const disableUserCommand = accountCommand({
  summary: "Disable an account: its sessions end, and it cannot sign in or use its API keys",
  act: (caller, userId) => caller.admin.users.disable({ userId }),
  done: (email) => `Disabled ${email}.`,
  unannounced: "Running servers refuse its tokens and keys within 30 s.",
});

export const enableUserCommand = accountCommand({
  summary: "Let a disabled account sign in again",
  act: (caller, userId) => caller.admin.users.enable({ userId }),
  done: (email) => `Enabled ${email}.`,
});

export const deleteUserCommand = accountCommand({
  summary: "Delete an account as its owner can: personal data goes, orders and audit rows stay",
  act: (caller, userId) => caller.admin.users.delete({ userId }),
  done: (email) => `Deleted the account of ${email}.`,
  unannounced: "Running servers refuse its tokens and keys within 30 s.",
});

export const resetMfaCommand = accountCommand({
  summary: "Remove a user's authenticator and recovery codes; they are told by mail",
  act: (caller, userId) => caller.admin.users.resetMfa({ userId }),
  done: (email) =>
    `Reset two-step sign-in of ${email}; they sign in with their password alone until they set it up again.`,
});

export const reinviteUserCommand = accountCommand({
  summary: "Mail an invited account a new link to choose its password; the earlier link stops working",
  act: (caller, userId) => caller.admin.users.resendInvitation({ userId }),
  done: (email) => `Mailed ${email} a new link to choose a password; the earlier one no longer works.`,
});

const inviteArguments = z.tuple([emailSchema], z.string());

export const inviteUserCommand: Command = {
  usage: "<email> [role...]",
  summary: "Create an account and mail its owner a link to choose a password (the default role when none is named)",
  async run(io: CommandIo) {
    const parsed = inviteArguments.safeParse(io.args);
    if (!parsed.success) throw new CommandError("expected an email address, then any roles to give");
    const [email, ...named] = parsed.data;
    const roles = named.map((name) => {
      const role = roleSchema.safeParse(name);
      if (!role.success) throw new CommandError(`no such role: ${name} (${roleSchema.options.join(", ")})`);
      return role.data;
    });
    // A role can be given only by a holder of everything it grants: the CLI holds what it gives.
    const given = roles.length > 0 ? roles : [DEFAULT_ROLE];
    const granted = [...new Set(given.flatMap((role) => roleCatalog[role].permissions))];
    const { result } = await withSystemCaller(io, ["user:create", ...granted], (caller) =>
      caller.admin.users.create({ email, ...(roles.length > 0 ? { roles } : {}) }),
    );
    io.out.write(`Invited ${result.email} (${result.roles.join(", ")}): a link to choose a password was mailed.\n`);
  },
};
