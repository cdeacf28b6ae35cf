import type { Config } from "@seed/config";
import type { FastifyLoggerOptions } from "fastify";
import type { DestinationStream, LoggerOptions } from "pino";

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

/** Pino's options for the server; the log goes to stdout unless another stream is given. */
export function loggerOptions(config: Config, stream?: DestinationStream): FastifyLoggerOptions & LoggerOptions {
  return {
    ...(stream ? { stream } : {}),
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
}
