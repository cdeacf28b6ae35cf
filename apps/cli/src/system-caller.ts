import { createSystemCaller, type ApiDependencies } from "@seed/api";
import {
  configuredAccessTokens,
  configuredSettings,
  configuredTokenKeys,
  configurePasswordHashing,
  createApiKeyCache,
  createSessionCache,
  createWebhookSettings,
  jobCatalogue,
  type Permission,
  syncAuthorizationCatalog,
} from "@seed/core";
import {
  createConfiguredMail,
  createConfiguredPaymentProvider,
  createInProcessJobQueue,
  createInProcessLoginThrottle,
  createInProcessPermissionCache,
  createInProcessUsageLimiter,
} from "@seed/platform";
import { CommandError, requiredArgument, type CommandIo } from "./command";
import { withDatabase } from "./database";
import { withEventBus } from "./event-bus";

/** The name the CLI's changes are audited under. */
export const CLI_PRINCIPAL_NAME = "cli";

export type SystemCaller = ReturnType<typeof createSystemCaller>;

/**
 * Runs `work` with a caller of the routers acting as the system principal "cli", holding exactly
 * `permissions`: a command goes through the access rules, validation and audit of a call over
 * HTTP. What it changes reaches the running servers through the event bus, as their own changes
 * do; `reachedServers` is false when they could not be told (no Redis, or Redis away).
 */
export async function withSystemCaller<T>(
  io: CommandIo,
  permissions: readonly Permission[],
  work: (caller: SystemCaller) => Promise<T>,
): Promise<{ result: T; reachedServers: boolean }> {
  const { config, log } = io;
  configurePasswordHashing(config.auth.passwordHashing);
  return withEventBus(config, log, (events) =>
    withDatabase(config, async ({ db }) => {
      const sessionCache = createSessionCache(events);
      const apiKeyCache = createApiKeyCache(events);
      const { mailer } = createConfiguredMail(db, config.mail, log, events);
      // No command queues work: a job queued here would have no worker to run it.
      const jobs = createInProcessJobQueue(config.jobs, jobCatalogue);
      try {
        // The catalog of roles and permissions must be in the database before anyone is given them.
        await syncAuthorizationCatalog(db);
        const deps: ApiDependencies = {
          db,
          events,
          sessionCache,
          apiKeyCache,
          permissionCache: createInProcessPermissionCache(),
          loginThrottle: createInProcessLoginThrottle(),
          usageLimiter: createInProcessUsageLimiter(),
          mailer,
          // No command sends mail itself: with SMTP, a server's (or a worker's) dispatcher sends
          // what it writes to the outbox.
          mailSender: null,
          jobs,
          payments: await createConfiguredPaymentProvider(config.payments),
          accessTokens: configuredAccessTokens(config, await configuredTokenKeys(db, config)),
          // Events a command records (a user invited) wait in the outbox for a server's dispatcher.
          webhooks: createWebhookSettings(config),
          ...configuredSettings(config),
        };
        return await work(createSystemCaller(deps, { name: CLI_PRINCIPAL_NAME, permissions }, log));
      } finally {
        await jobs.close();
        await sessionCache.close();
        await apiKeyCache.close();
      }
    }),
  );
}

/** The account of an address, found through the directory as an administrator would. */
export async function findAccount(caller: SystemCaller, email: string) {
  const wanted = email.trim().toLowerCase();
  const page = await caller.admin.users.list({ search: wanted, limit: 100 });
  return page.items.find((user) => user.email.toLowerCase() === wanted) ?? null;
}

/** The account named by the command's one argument, its address; a CommandError when there is none. */
export async function accountArgument(io: CommandIo, caller: SystemCaller) {
  const email = requiredArgument(io, "the user's email address");
  const account = await findAccount(caller, email);
  if (!account) throw new CommandError(`no account has the address ${email}`);
  return account;
}
