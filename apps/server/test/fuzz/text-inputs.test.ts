/*
 * Postgres stores no NUL character in text and no half of a surrogate pair in jsonb; a query
 * carrying either fails. Every string any procedure accepts must therefore refuse both as invalid
 * input, which holds when every string input is built on the api's one `textSchema`. This walks
 * every procedure's input schema, found at run time, down to each string in it.
 */
import { appRouter } from "@seed/api";
import { textSchema } from "@seed/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { procedureInputs } from "./procedures";
import { validInputOf } from "./zod-arbitraries";

const seeded = { seed: 7_003, numRuns: 40 };

/** What a client may slip into text that Postgres cannot hold. */
const UNSTORABLE = ["\u0000", "\uD800", "\uDBFF", "\uDC00", "\uDFFF"];

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
}

const LEAVES = new Set([
  "number",
  "boolean",
  "date",
  "enum",
  "literal",
  "null",
  "undefined",
  "void",
  "bigint",
  "transform",
]);

/** Every string schema inside `schema`, with where it sits. */
function stringsIn(schema: z.ZodType, at: string): { at: string; schema: z.ZodType }[] {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type === "string") return [{ at, schema }];
  if (LEAVES.has(def.type)) return [];
  const children: [string, z.ZodType][] = [
    ...Object.entries(def.shape ?? {}).map(([key, field]): [string, z.ZodType] => [`${at}.${key}`, field]),
    ...[def.innerType, def.element, def.in, def.out, def.keyType, def.valueType]
      .filter((child) => child !== undefined)
      .map((child) => [at, child]),
    ...[...(def.options ?? []), ...(def.items ?? [])].map((child): [string, z.ZodType] => [at, child]),
  ] as [string, z.ZodType][];
  if (children.length === 0) throw new Error(`${at}: no walk through zod type "${def.type}"; add it here`);
  return children.flatMap(([path, child]) => stringsIn(child, path));
}

const stringInputs = procedureInputs(appRouter).flatMap(({ path, input }) => (input ? stringsIn(input, path) : []));

describe("text inputs", () => {
  it("finds the string inputs of the procedures", () => {
    // A walk that found nothing would prove nothing.
    expect(stringInputs.length).toBeGreaterThan(30);
    expect(stringInputs.map(({ at }) => at)).toEqual(
      expect.arrayContaining([
        "users.updateProfile.displayName",
        "admin.permissions.grant.reason",
        "orders.list.cursor",
      ]),
    );
  });

  it.each(stringInputs.map(({ at, schema }) => [at, schema] as const))(
    "%s refuses a NUL character or half a surrogate pair anywhere in it",
    (_at, schema) => {
      fc.assert(
        fc.property(
          validInputOf(schema) as fc.Arbitrary<string>,
          fc.nat(),
          fc.constantFrom(...UNSTORABLE),
          (valid, position, unstorable) => {
            const at = position % (valid.length + 1);
            const tainted = `${valid.slice(0, at)}${unstorable}${valid.slice(at)}`;
            expect(schema.safeParse(tainted).success, JSON.stringify(tainted)).toBe(false);
          },
        ),
        seeded,
      );
    },
  );

  it("accepts any well-formed Unicode text without a NUL, astral characters included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (text) => {
        expect(textSchema.safeParse(text).success).toBe(!text.includes("\u0000"));
      }),
      seeded,
    );
    expect(textSchema.safeParse("🦊 naïve café 𝒳").success).toBe(true);
  });

  it.each([
    ["a NUL character", "a\u0000b", "Text must not contain the NUL character (\\u0000)"],
    ["a high surrogate alone", "a\uD800b", "Text must be valid Unicode: it holds half of a surrogate pair"],
    ["a low surrogate alone", "\uDC00", "Text must be valid Unicode: it holds half of a surrogate pair"],
    ["a pair in the wrong order", "\uDC00\uD800", "Text must be valid Unicode: it holds half of a surrogate pair"],
  ])("refuses %s with a message that says why", (_label, text, message) => {
    expect(textSchema.safeParse(text).error?.issues.map((issue) => issue.message)).toEqual([message]);
  });
});
