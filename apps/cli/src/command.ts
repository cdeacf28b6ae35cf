import type { Logger } from "@seed/platform";
import type { Config } from "@seed/config";
import type { ProgressOutput } from "./progress";

export interface CommandIo {
  config: Config;
  args: string[];
  /** Where results and progress go; errors go to stderr as one line, written by the runner. */
  out: ProgressOutput;
  /** For the services: their warnings reach stderr, their chatter is dropped. */
  log: Logger;
  /** A secret read without echoing it: from a terminal prompt, or the first line of a pipe. */
  readSecret(prompt: string): Promise<string>;
}

export interface Command {
  /** How to call it, after the command's name, e.g. "<email>". */
  usage: string;
  summary: string;
  run(io: CommandIo): Promise<void>;
}

/** A failure the operator can act on; its message is the one line printed. */
export class CommandError extends Error {
  override name = "CommandError";
}

/** The one positional argument a command takes, or a CommandError naming it. */
export function requiredArgument(io: CommandIo, name: string): string {
  const [value, ...extra] = io.args;
  if (!value || extra.length > 0) throw new CommandError(`expected exactly one argument: ${name}`);
  return value;
}
