import { existsSync } from "node:fs";
import { loadEnvFile } from "node:process";

/**
 * Reads `.env` from the working folder into the environment, when there is one, so that copying
 * `.env.example` to `.env` is all a setup needs. A variable the process was started with wins over
 * the file's, as with Node's own `--env-file`.
 */
export function loadEnvFileIfPresent(path = ".env"): void {
  if (existsSync(path)) loadEnvFile(path);
}
