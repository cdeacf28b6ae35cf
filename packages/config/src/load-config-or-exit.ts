import { ConfigError, loadConfig, type Config } from "./load-config";

/** For a process's entry point: a misconfiguration ends it with one line naming what is wrong. */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(source);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
