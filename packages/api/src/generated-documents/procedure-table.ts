import { describeAccess } from "../access-matrix";
import { type DeclaredProcedure, procedureCatalog } from "../procedure-catalog";
import { GENERATE_COMMAND, type GeneratedDocument } from "./generated-document";

const code = (text: string) => `\`${text}\``;

/** A Markdown table with its columns padded as Prettier pads them, so the file passes its check. */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(3, title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** Where a procedure is served besides /trpc: its REST route and success status, or why it is not. */
function restColumn(procedure: DeclaredProcedure): string {
  const route = procedure.restRoute;
  if (route) return `${code(`${route.method} /api${route.path}`)} → ${route.successStatus}`;
  if (procedure.type === "subscription") return "WebSocket, SSE";
  return "tRPC only (below)";
}

/** docs/procedures.md: every procedure, who may call it, its REST route and whether it is a credential procedure. */
export const procedureTable: GeneratedDocument = {
  path: "docs/procedures.md",
  render: () => {
    const rows = procedureCatalog.map((procedure) => [
      code(procedure.path),
      procedure.type,
      describeAccess(procedure.access),
      restColumn(procedure),
      procedure.credential ? "yes" : "",
      procedure.acceptsApiKeys ? "" : "refused",
    ]);
    const trpcOnly = procedureCatalog.filter((procedure) => procedure.trpcOnly !== null);
    return [
      "# Procedures",
      "",
      `<!-- Generated from the router by \`${GENERATE_COMMAND}\`: edit the procedures, not this file. -->`,
      "",
      "Who may call a procedure is declared once, by the builder it is made from (`publicProcedure`,",
      "`protectedProcedure`, `requirePermission(...)`, `requireOwnership(...)` in",
      "[`packages/api/src/trpc.ts`](../packages/api/src/trpc.ts)), which sets it in the procedure's meta",
      "beside the check that enforces it. A credential procedure checks a password or mints tokens: the",
      "server gives it a small rate limit of its own and refuses it inside a batch. A personal",
      "[API key](api-keys.md) is refused by credential procedures, subscriptions and the procedures that",
      "require a person signed in (`sessionProcedure`, or `requiresSession` in the meta). A test calls",
      "every procedure as an anonymous caller, a customer, a manager, an admin and a user holding one",
      "temporary permission, and compares with this table.",
      "",
      "Queries and mutations are also REST routes under `/api` ([api.md](api.md#rest-and-openapi)), with",
      "the success status shown; subscriptions are served over WebSockets and server-sent events only.",
      "",
      markdownTable(["procedure", "type", "access", "REST route", "credential", "API key"], rows),
      "",
      "## Not on REST",
      "",
      ...trpcOnly.map((procedure) => `- ${code(procedure.path)}: ${procedure.trpcOnly}`),
      "",
    ].join("\n");
  },
};
