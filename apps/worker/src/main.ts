import { jobCatalogue, jobWorker } from "@seed/core";
import { createBullJobQueue, createConfiguredMailer, stopOnSignals } from "@seed/platform";
import { loadConfigOrExit, loadEnvFileIfPresent } from "@seed/config";
import { createDatabase } from "@seed/db";
import { pino } from "pino";

loadEnvFileIfPresent();
const config = loadConfigOrExit();
// A worker shares its jobs through Redis and its data through Postgres; an embedded database
// here would be a different database from the server's.
if (!config.redis.url || !config.database.url) {
  console.error("Invalid configuration: DATABASE_URL and REDIS_URL: both are required to run a worker");
  process.exit(1);
}

const log = pino({ level: config.logLevel, base: { service: "worker" } });
const database = await createDatabase({ url: config.database.url });
const mailer = createConfiguredMailer(database.db, config.mail, log);
const jobs = await createBullJobQueue({
  redisUrl: config.redis.url,
  keyPrefix: config.redis.keyPrefix,
  settings: config.jobs,
  catalogue: jobCatalogue,
  log,
});
await jobs.startWorker(jobWorker({ db: database.db, mailer, log }));
log.info({ concurrency: config.jobs.concurrency }, "worker ready");

stopOnSignals(
  async () => {
    await jobs.close();
    mailer.close();
    await database.close();
  },
  { timeoutMs: config.shutdownTimeoutMs, log },
);
