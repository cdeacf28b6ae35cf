import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { GENERATE_COMMAND, generatedDocuments } from "../src/generated-documents";

const root = new URL("../../../", import.meta.url);

describe("the documents generated from the router", () => {
  it.each(generatedDocuments.map((document) => [document.path, document] as const))(
    "%s is up to date",
    async (path, document) => {
      const checkedIn = await readFile(new URL(path, root), "utf8").catch(() => null);
      expect(checkedIn, `${path} is stale: run \`${GENERATE_COMMAND}\` and commit the result`).toBe(
        await document.render(checkedIn),
      );
    },
  );
});
