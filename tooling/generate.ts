/**
 * Writes every document made from the router (`pnpm generate`): the procedure table in docs/,
 * the API9 inventory, the client's list of credential procedures, the REST API's TypeScript
 * types. A test fails while any checked-in copy differs from what this would write.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generatedDocuments } from "../packages/api/src/generated-documents";

const root = fileURLToPath(new URL("..", import.meta.url));

for (const document of generatedDocuments) {
  const file = `${root}${document.path}`;
  const current = await readFile(file, "utf8").catch(() => null);
  const next = await document.render(current);
  if (next === current) continue;
  await writeFile(file, next);
  console.error(`wrote ${document.path}`);
}
