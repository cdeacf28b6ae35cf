import { procedureCatalog } from "../procedure-catalog";
import { GENERATE_COMMAND, type GeneratedDocument } from "./generated-document";

/**
 * The client's copy of the credential procedures: a browser bundle takes it without the server's
 * code, since the client imports only types from the API.
 */
export const clientCredentialProcedures: GeneratedDocument = {
  path: "packages/client/src/credential-procedures.ts",
  render: () => {
    const paths = procedureCatalog.filter((procedure) => procedure.credential).map((procedure) => procedure.path);
    return [
      `// Generated from the router by \`${GENERATE_COMMAND}\` (packages/api/src/generated-documents): do not edit.`,
      "",
      "/**",
      " * Procedures that check a password or mint tokens (`credential: true` in their meta): the server",
      " * counts each call against a small rate limit of its own and refuses them inside a batch.",
      " */",
      "export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([",
      ...paths.map((path) => `  "${path}",`),
      "]);",
      "",
    ].join("\n");
  },
};
