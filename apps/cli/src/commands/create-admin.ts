import {
  bootstrap,
  configurePasswordHashing,
  emailSchema,
  findUserByEmail,
  makeAdmin,
  newPasswordSchema,
  systemActor,
} from "@seed/api";
import { CommandError, requiredArgument, type Command } from "../command";
import { withDatabase } from "../database";

export const createAdminCommand: Command = {
  usage: "<email>",
  summary: "Make an account an admin; a new account's password is read from the prompt or stdin",
  async run(io) {
    const email = emailSchema.safeParse(requiredArgument(io, "the admin's email address"));
    if (!email.success) throw new CommandError(`not an email address: ${io.args[0]}`);
    configurePasswordHashing(io.config.auth.passwordHashing);

    const outcome = await withDatabase(io.config, async ({ db }) => {
      // The admin role must exist before anyone can be given it.
      await bootstrap({ db, log: io.log }, null);
      let password: string | null = null;
      if (!(await findUserByEmail(db, email.data))) {
        const entered = newPasswordSchema.safeParse(await io.readSecret(`Password for ${email.data}: `));
        if (!entered.success) throw new CommandError(entered.error.issues[0]!.message);
        password = entered.data;
      }
      return makeAdmin(db, systemActor, { email: email.data, password });
    });
    const said = {
      created: `Created ${email.data} as an admin.`,
      promoted: `${email.data} is now an admin.`,
      "already-admin": `${email.data} was already an admin; nothing changed.`,
    };
    io.out.write(`${said[outcome]}\n`);
  },
};
