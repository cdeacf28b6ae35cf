import type { AuditChainHead } from "@seed/core";

export const rows = (count: number) => `${count} audit row${count === 1 ? "" : "s"}`;

/** The head to keep outside the database, and what waits for the next seal. */
export function describeHead(head: AuditChainHead): string {
  const lines = [head.hash ? `Head: seal ${head.sequence}, ${head.hash}` : "No seal yet."];
  if (head.unsealedRows > 0) {
    lines.push(`${rows(head.unsealedRows)} after it ${head.unsealedRows === 1 ? "is" : "are"} not sealed yet.`);
  }
  return `${lines.join("\n")}\n`;
}
