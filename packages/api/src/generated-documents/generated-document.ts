/** The command that writes every generated document again. */
export const GENERATE_COMMAND = "pnpm generate";

/** A checked-in file made from the router; a test fails when its copy is stale. */
export interface GeneratedDocument {
  /** From the repository root. */
  path: string;
  /** The file as it must read, given its checked-in copy (null when there is none yet). */
  render(current: string | null): string | Promise<string>;
}
