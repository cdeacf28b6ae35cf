import { describeAccess } from "../access-matrix";
import { procedureCatalog } from "../procedure-catalog";
import { GENERATE_COMMAND, type GeneratedDocument } from "./generated-document";

const ROUTES_HEADING = "# HTTP routes";
const PROCEDURES_HEADING = `# tRPC procedures (generated from the router by ${GENERATE_COMMAND})`;

/**
 * What a server exposes: its HTTP routes, as Fastify prints them, and every procedure with its
 * kind and access rule.
 */
export function inventoryOf(httpRoutes: string): string {
  const procedures = procedureCatalog.map(
    (procedure) => `${procedure.path} ${procedure.type} ${describeAccess(procedure.access)}`,
  );
  return [ROUTES_HEADING, httpRoutes.trimEnd(), "", PROCEDURES_HEADING, ...procedures, ""].join("\n");
}

/**
 * The OWASP API9 inventory. Its HTTP routes come from the running server, not from the router:
 * they are kept as checked in (the inventory test compares them with a started server), and the
 * procedures below them are generated.
 */
export const inventory: GeneratedDocument = {
  path: "apps/server/test/owasp/inventory.txt",
  render: (current) => {
    const routes = current?.split(/^# tRPC procedures.*$/m)[0]?.replace(ROUTES_HEADING, "") ?? "";
    return inventoryOf(routes.trim());
  },
};
