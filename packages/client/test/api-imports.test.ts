import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const source = new URL("../src/", import.meta.url);

describe("the client", () => {
  it("imports nothing but types from the API, so that a browser bundle holds none of the server's code", async () => {
    const valueImports: string[] = [];
    for (const file of await readdir(source)) {
      const text = await readFile(new URL(file, source), "utf8");
      const statements = text.match(/^(?:import|export)\b[^;]*?from\s+"@seed\/api[^"]*";/gms) ?? [];
      valueImports.push(
        ...statements.filter((line) => !/^(?:import|export) type\b/.test(line)).map((line) => `${file}: ${line}`),
      );
    }
    expect(valueImports).toEqual([]);
  });
});
