import {
  bootstrap,
  configurePasswordHashing,
  emailSchema,
  findUserByEmail,
  makeAdmin,
  newPasswordSchema,
  sessionInvalidator,
  systemActor,
} from "@seed/core";
import { CommandError, requiredArgument, type Command } from "../command";
import { withDatabase } from "../database";
import { withEventBus } from "../event-bus";

export const createAdminCommand: Command = {
  usage: "<email>",
  summary: "Make an account an admin; a new account's password is read from the prompt or stdin",
  async run(io) {
    const email = emailSchema.safeParse(requiredArgument(io, "the admin's email address"));
    if (!email.success) throw new CommandError(`not an email address: ${io.args[0]}`);
    configurePasswordHashing(io.config.auth.passwordHashing);

    // An account already signed in gets its new access on the servers at once, with Redis.
    const { result: outcome, reachedServers } = await withEventBus(io.config, io.log, (events) =>
      withDatabase(io.config, async ({ db }) => {
        const deps = { db, events, sessionCache: sessionInvalidator(events), log: io.log };
        // The admin role must exist before anyone can be given it.
        await bootstrap(deps, null);
        let password: string | null = null;
        if (!(await findUserByEmail(db, email.data))) {
          const entered = newPasswordSchema.safeParse(await io.readSecret(`Password for ${email.data}: `));
          if (!entered.success) throw new CommandError(entered.error.issues[0]!.message);
          password = entered.data;
        }
        return makeAdmin(deps, systemActor, { email: email.data, password });
      }),
    );
    const said = {
      created: `Created ${email.data} as an admin.`,
      promoted: `${email.data} is now an admin.`,
      "already-admin": `${email.data} was already an admin; nothing changed.`,
    };
    io.out.write(`${said[outcome]}\n`);
    if (outcome === "promoted" && !reachedServers) io.out.write("Running servers apply it within 30 s.\n");
  },
};
