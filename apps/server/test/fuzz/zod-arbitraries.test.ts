import { appRouter } from "@seed/api";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nearMissInputOf, UnsupportedSchemaError, validInputOf } from "./zod-arbitraries";
import { procedureInputs } from "./procedures";

const seeded = { seed: 20_231_101, numRuns: 50 };

describe("arbitraries from zod schemas", () => {
  it.each([
    ["an email with a length cap", z.string().trim().toLowerCase().email().max(254)],
    ["a uuid", z.uuid()],
    ["a token pattern", z.string().regex(/^[A-Za-z0-9_-]{43}$/)],
    ["a bounded string", z.string().min(8).max(128)],
    ["a bounded integer", z.number().int().min(1).max(100)],
    ["an exclusive bound", z.number().int().positive().lt(5)],
    ["a bounded double", z.number().min(-1).max(1)],
    ["an enum", z.enum(["customer", "admin"])],
    ["a literal", z.literal("signed-in")],
    ["optional, nullable and default fields", z.object({ a: z.date().optional(), b: z.boolean().nullable() })],
    ["a default", z.object({ limit: z.number().int().min(1).max(50).default(20) })],
    ["arrays and unions", z.array(z.union([z.string().max(3), z.number().int().min(0).max(9)]))],
    ["a bounded array", z.array(z.boolean()).min(1).max(3)],
    ["a pipe", z.string().min(1).pipe(z.string().max(10))],
    ["a bounded date", z.date().min(new Date(0)).max(new Date("2100-01-01"))],
  ])("generates only values that %s accepts", (_label, schema) => {
    fc.assert(
      fc.property(validInputOf(schema), (value) => schema.safeParse(value).success),
      seeded,
    );
  });

  it("generates values every procedure's own input schema accepts, apart from server-side refinements", () => {
    for (const { path, input } of procedureInputs(appRouter)) {
      if (!input) continue;
      fc.assert(
        fc.property(validInputOf(input), (value) => {
          const issues = input.safeParse(value).error?.issues ?? [];
          // A custom refinement (the common-password list) may refuse a random string; the shape must not.
          expect(
            issues.filter((issue) => issue.code !== "custom"),
            path,
          ).toEqual([]);
        }),
        { ...seeded, numRuns: 20 },
      );
    }
  });

  it("near misses of an object are refused by its schema", () => {
    const schema = z.object({ email: z.email(), limit: z.number().int().min(777_001).max(777_005) }).strict();
    fc.assert(
      fc.property(nearMissInputOf(schema), (value) => !schema.safeParse(value).success),
      seeded,
    );
  });

  it("refuses a schema type it cannot generate, naming it", () => {
    expect(() => validInputOf(z.map(z.string(), z.string()))).toThrow(UnsupportedSchemaError);
    expect(() => validInputOf(z.map(z.string(), z.string()))).toThrow(/"map"/);
  });
});
