import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvFileIfPresent } from "../src";

describe("the .env file", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "seed-env-file-"));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("fills in what the environment does not set, and leaves what it does", async () => {
    const file = join(folder, ".env");
    await writeFile(file, 'SEED_ENV_FILE_ONLY="from the file"\nSEED_ENV_FILE_BOTH=from-the-file\n');
    process.env.SEED_ENV_FILE_BOTH = "from-the-environment";
    loadEnvFileIfPresent(file);
    expect(process.env.SEED_ENV_FILE_ONLY).toBe("from the file");
    expect(process.env.SEED_ENV_FILE_BOTH).toBe("from-the-environment");
  });

  it("is optional", () => {
    expect(() => loadEnvFileIfPresent(join(folder, "missing.env"))).not.toThrow();
  });
});
