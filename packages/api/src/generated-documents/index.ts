import { clientCredentialProcedures } from "./client-credential-procedures";
import type { GeneratedDocument } from "./generated-document";
import { inventory } from "./inventory";
import { procedureTable } from "./procedure-table";
import { restApiTypes } from "./rest-api-types";

export { GENERATE_COMMAND, type GeneratedDocument } from "./generated-document";
export { inventoryOf } from "./inventory";
export { renderRestApiTypes } from "./rest-api-types";

/** Every checked-in file made from the router. */
export const generatedDocuments: readonly GeneratedDocument[] = [
  procedureTable,
  inventory,
  clientCredentialProcedures,
  restApiTypes,
];
