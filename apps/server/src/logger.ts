import type { Config } from "@seed/config";
import type { FastifyServerOptions } from "fastify";

/** Anything that may carry a credential is censored before a log line is written. */
const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-access-token']",
  "res.headers['set-cookie']",
  "*.password",
  "*.accessToken",
  "*.refreshToken",
  "*.token",
];

export function loggerOptions(config: Config): FastifyServerOptions["logger"] {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
}
