import type { Logger } from "@seed/platform";
import { ConfigError, loadConfig } from "@seed/config";
import { CommandError, type CommandIo } from "./command";
import { commands } from "./commands";

export interface CliStreams {
  env: Record<string, string | undefined>;
  out: CommandIo["out"];
  err: { write(text: string): unknown };
  readSecret: CommandIo["readSecret"];
}

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function usage(): string {
  const width = Math.max(...Object.entries(commands).map(([name, { usage }]) => `${name} ${usage}`.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${`${name} ${command.usage}`.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: pnpm cli <command> [arguments]\n\nCommands:\n${lines.join("\n")}\n`;
}

/** Runs one command; resolves with the process's exit code. A failure is one line on stderr. */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help") {
    streams.out.write(usage());
    return name ? 0 : EXIT_USAGE;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    streams.err.write(`error: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const warn = (fields: unknown, message?: unknown) =>
    streams.err.write(`warning: ${typeof fields === "string" ? fields : String(message ?? "")}\n`);
  const log: Logger = { debug: () => {}, info: () => {}, warn, error: warn };
  try {
    await command.run({ config: loadConfig(streams.env), args, out: streams.out, log, readSecret: streams.readSecret });
    return 0;
  } catch (error) {
    streams.err.write(`error: ${failureLine(error)}\n`);
    return EXIT_FAILED;
  }
}

/** What went wrong, in one line: the message of an error the operator can act on. */
function failureLine(error: unknown): string {
  if (error instanceof CommandError || error instanceof ConfigError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n", 1)[0]!;
}
