import { productPageSchema } from "@seed/core";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileOutputCheck, compileOutputChecks, UNCHECKED } from "../src/compiled-output-check";
import { appRouter } from "../src/root";
import { serializeAnswer } from "../src/wire-format";

const created = new Date(1_700_000_000_000);

/** Each kind of schema the compiler writes itself, and some it leaves to zod, with a valid answer. */
const cases: { name: string; schema: z.ZodType; answer: () => unknown }[] = [
  {
    name: "a page of products",
    schema: productPageSchema,
    answer: () => ({
      items: [0, 1, 2].map((index) => ({
        id: `0b6c3bd4-5f0e-4a8e-9d49-6a0c5e1f2a3${index}`,
        sku: `SKU-${index}`,
        name: `Product ${index}`,
        description: "",
        category: "tools",
        price: { amount: 1999 + index, currency: "EUR" },
        stock: index,
        version: 1,
        createdAt: new Date(created.getTime() + index),
        updatedAt: new Date(created.getTime() + 10 + index),
        deletedAt: index === 1 ? new Date(created.getTime() + 20) : null,
      })),
      nextCursor: "abc",
    }),
  },
  {
    name: "every kind of node",
    schema: z.object({
      status: z.literal("ok"),
      zero: z.literal(0),
      kind: z.enum(["a", "b"]),
      either: z.union([z.string().max(3), z.number().int()]),
      trimmed: z.string().trim().max(10),
      refined: z.string().refine((text) => text !== "no"),
      global: z.string().regex(/^x+$/g),
      above: z.number().gt(0).lt(10),
      flag: z.boolean(),
      nothing: z.null(),
      note: z.string().optional(),
      when: z.date().optional(),
      owner: z.object({ name: z.string(), since: z.date() }).nullable(),
      tags: z.array(z.string().min(1)),
      grid: z.array(z.array(z.number())),
      events: z.array(z.object({ at: z.date(), label: z.string().nullish() })),
    }),
    answer: () => ({
      status: "ok",
      zero: 0,
      kind: "a",
      either: "abc",
      trimmed: "  padded ",
      refined: "yes",
      global: "xxx",
      above: 5.5,
      flag: true,
      nothing: null,
      note: "n",
      when: new Date(created.getTime() + 1),
      owner: { name: "Ada", since: new Date(created.getTime() + 2) },
      tags: ["a", "b"],
      grid: [[1, 2], [], [3]],
      events: [{ at: new Date(created.getTime() + 3), label: null }, { at: new Date(created.getTime() + 4) }],
    }),
  },
  {
    name: "Dates in arrays of arrays",
    schema: z.array(
      z.object({
        at: z.date(),
        slots: z.array(z.object({ from: z.date(), span: z.object({ end: z.date().nullable() }) })),
      }),
    ),
    answer: () =>
      Array.from({ length: 3 }, (_, day) => ({
        at: new Date(created.getTime() + 100 * day),
        slots: Array.from({ length: day }, (_, slot) => ({
          from: new Date(created.getTime() + 100 * day + 10 * slot),
          span: { end: slot === 1 ? null : new Date(created.getTime() + 100 * day + 10 * slot + 5) },
        })),
      })),
  },
  {
    name: "checks on every kind of leaf",
    schema: z.object({
      yes: z.boolean().refine((value) => value),
      never: z.null().refine(() => true),
      status: z.literal("ok").refine((value) => value === "ok"),
      kind: z.enum(["a", "b"]).refine((value) => value === "a"),
      maybe: z
        .string()
        .nullable()
        .refine((value) => value !== null),
      count: z.int(),
      small: z.int32(),
      pair: z.string().min(2),
      exact: z.string().length(2),
      inner: z.object({ at: z.date() }),
    }),
    answer: () => ({
      yes: true,
      never: null,
      status: "ok",
      kind: "a",
      maybe: "m",
      count: 3,
      small: 4,
      pair: "ab",
      exact: "cd",
      inner: { at: new Date(created.getTime() + 5) },
    }),
  },
];

class LaterDate extends Date {
  override toJSON() {
    return "later";
  }
}

/** Values put in place of each node of a valid answer. */
const hostile = (): unknown[] => [
  undefined,
  null,
  "",
  "x",
  "EUR",
  " a ",
  "no",
  "\u0000",
  "0b6c3bd4-5f0e-4a8e-9d49-6a0c5e1f2a30",
  "a".repeat(6000),
  "\u{1F600}",
  "\u{1F600}\u{1F600}",
  "a\u{1F600}",
  new LaterDate(0),
  2 ** 40,
  0,
  -0,
  1,
  -1,
  1.5,
  9.5,
  10,
  2 ** 53,
  Number.NaN,
  Infinity,
  true,
  false,
  10n,
  new Date(created.getTime() + 99),
  new Date(Number.NaN),
  created,
  {},
  [],
  [1],
  { name: "Ada", since: new Date(1) },
  { amount: 1, currency: "EUR", extra: 1 },
  new Map(),
  Object.create(null),
];

type Path = (string | number)[];

/** The path of every node of `value`, the root included. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (typeof value !== "object" || value === null || value instanceof Date) return [at];
  const children = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return [at, ...children.flatMap((child) => pathsOf((value as Record<string, unknown>)[child], [...at, child]))];
}

function withNode(
  answer: unknown,
  path: Path,
  change: (parent: Record<string | number, unknown>, key: string | number) => void,
) {
  if (path.length === 0) return answer;
  let parent = answer as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  change(parent, path.at(-1)!);
  return answer;
}

function firstDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== "object" || value === null) return undefined;
  for (const child of Object.values(value)) {
    const found = firstDate(child);
    if (found) return found;
  }
  return undefined;
}

/** Every object and array inside `value`. */
function containers(value: unknown, found = new Set<object>()): Set<object> {
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    found.add(value);
    for (const child of Object.values(value)) containers(child, found);
  }
  return found;
}

/** The check either leaves the answer to zod, or gives what zod gives, written as superjson writes it. */
function expectAsZod(schema: z.ZodType, answer: unknown, check: NonNullable<ReturnType<typeof compileOutputCheck>>) {
  const sent = check(answer, true);
  if (sent === UNCHECKED) return false;
  const byZod = schema.safeParse(answer);
  expect(byZod.success).toBe(true);
  // For a caller in this process, zod's very value; for a client, its very bytes.
  const kept = check(answer, false);
  expect(kept).toStrictEqual(byZod.data);
  expect(JSON.stringify(serializeAnswer(sent))).toBe(JSON.stringify(superjson.serialize(byZod.data)));
  // Fresh copies, as zod makes: nothing of them is shared with what the procedure returned.
  const original = containers(answer);
  for (const container of [...containers(sent), ...containers(kept)]) expect(original.has(container)).toBe(false);
  return true;
}

describe("the compiled output check", () => {
  it.each(cases)("passes a valid answer ($name) as zod does, with the Dates' paths", ({ schema, answer }) => {
    const check = compileOutputCheck(schema);
    expect(check).not.toBeNull();
    expect(expectAsZod(schema, answer(), check!)).toBe(true);
  });

  it.each(cases)(
    "passes only what zod passes, as zod gives it, with any node of $name replaced",
    ({ schema, answer }) => {
      const check = compileOutputCheck(schema)!;
      expect(check).not.toBeNull();
      let checked = 0;
      let left = 0;
      for (const path of pathsOf(answer())) {
        const variants: unknown[] = [
          ...hostile().map((replacement) => withNode(answer(), path, (parent, key) => (parent[key] = replacement))),
          withNode(answer(), path, (parent, key) => delete parent[key]),
          withNode(answer(), path, (parent, key) => {
            Object.defineProperty(parent, key, {
              enumerable: true,
              get: () => {
                throw new Error("getter");
              },
            });
          }),
          // One Date twice, which superjson writes as a referential equality.
          ((value) => withNode(value, path, (parent, key) => (parent[key] = firstDate(value))))(answer()),
        ];
        const withExtraKey = answer() as Record<string, unknown>;
        withNode(withExtraKey, path, (parent, key) => {
          const node = parent[key];
          if (typeof node === "object" && node !== null && !Array.isArray(node))
            (node as Record<string, unknown>).extra = 1;
        });
        variants.push(withExtraKey);
        for (const variant of variants) {
          if (expectAsZod(schema, variant, check)) checked += 1;
          else left += 1;
        }
      }
      // Both sides were reached: answers the check passed itself, and answers it left to zod.
      expect(checked).toBeGreaterThan(10);
      expect(left).toBeGreaterThan(10);
    },
  );

  it("leaves to zod a schema it does not compile", () => {
    const category: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(category);
      },
    });
    expect(compileOutputCheck(category)).toBeNull();
    expect(compileOutputCheck(z.object({ a: z.string(), [Symbol("b")]: z.number() }))).toBeNull();
    // Checks of objects, arrays and optional fields are zod's to run.
    expect(compileOutputCheck(z.object({ a: z.string() }).refine(() => true))).toBeNull();
    expect(compileOutputCheck(z.object({ a: z.array(z.string()).min(1) }))).toBeNull();
    expect(
      compileOutputCheck(
        z.object({
          a: z
            .string()
            .optional()
            .refine(() => true),
        }),
      ),
    ).toBeNull();
    expect(compileOutputCheck(z.object({ at: z.date() }).strict())).toBeNull();
    expect(compileOutputCheck(z.array(z.date()))).toBeNull();
    expect(compileOutputCheck(z.object({ "a.b": z.date() }))).toBeNull();
    expect(compileOutputCheck(z.object({ count: z.number().default(0) }))).toBeNull();
    expect(compileOutputCheck(z.record(z.string(), z.number()))).toBeNull();
  });

  it("leaves to zod a check started inside another, which keeps its own Dates' paths", () => {
    const inner = compileOutputCheck(z.object({ at: z.date() }))!;
    let innerCopy: unknown;
    const outer = z.object({
      a: z.date(),
      s: z.string().refine(() => {
        // Once: zod runs this refinement again when the test compares.
        innerCopy ??= inner({ at: new Date(5) }, true);
        return true;
      }),
      c: z.date(),
    });
    const answer = { a: new Date(1), s: "s", c: new Date(2) };
    expect(expectAsZod(outer, answer, compileOutputCheck(outer)!)).toBe(true);
    expect(innerCopy).toBe(UNCHECKED);
  });

  it("hands no Dates' paths on for an answer to a caller in this process, which may change it", async () => {
    const t = initTRPC.context<{ transport: "internal" | "http" }>().create();
    const router = compileOutputChecks(
      t.router({ read: t.procedure.output(z.object({ at: z.date() })).query(() => ({ at: created })) }),
    );
    const mine = (await t.createCallerFactory(router)({ transport: "internal" }).read()) as Record<string, unknown>;
    mine.also = new Date(7);
    expect(JSON.stringify(serializeAnswer(mine))).toBe(JSON.stringify(superjson.serialize(mine)));
    const sent = await t.createCallerFactory(router)({ transport: "http" }).read();
    expect(serializeAnswer(sent)).toEqual({ json: sent, meta: { values: { at: ["Date"] }, v: 1 } });
  });

  it("runs the resolver itself where it follows the check, and the middlewares after the check otherwise", async () => {
    const t = initTRPC.context<{ transport: string; seen: string[] }>().create({ transformer: superjson });
    const output = z.object({ n: z.number() });
    const noting = t.middleware(({ ctx, next }) => {
      ctx.seen.push("after the check");
      return next();
    });
    const router = compileOutputChecks(
      t.router({
        last: t.procedure.output(output).query(() => ({ n: 1 })),
        followed: t.procedure
          .output(output)
          .use(noting)
          .query(() => ({ n: 2 })),
        refused: t.procedure.output(output).query(() => ({ n: "two" }) as unknown as { n: number }),
        failing: t.procedure.output(output).query(() => {
          throw new TRPCError({ code: "CONFLICT", message: "taken" });
        }),
      }),
    );
    const steps = (path: string) =>
      (router._def.procedures as unknown as Record<string, { _def: { middlewares: unknown[] } }>)[path]!._def
        .middlewares.length;
    expect(steps("last")).toBe(1);
    expect(steps("followed")).toBe(3);
    const ctx = { transport: "http", seen: [] as string[] };
    const caller = t.createCallerFactory(router)(ctx);
    expect(await caller.last()).toEqual({ n: 1 });
    expect(await caller.followed()).toEqual({ n: 2 });
    expect(ctx.seen).toEqual(["after the check"]);
    await expect(caller.refused()).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    await expect(caller.failing()).rejects.toMatchObject({ code: "CONFLICT", message: "taken" });
  });

  it("is given to the procedures on the hot path", () => {
    const compiled = (path: string) =>
      (appRouter._def.procedures as unknown as Record<string, { _def: { middlewares: { name: string }[] } }>)[
        path
      ]!._def.middlewares.some((middleware) => middleware.name === "compiledOutputCheck");
    expect(compiled("products.list")).toBe(true);
    expect(compiled("health.check")).toBe(true);
  });

  it("writes the Dates' paths of arrays longer than it keeps paths for", () => {
    const schema = z.object({ items: z.array(z.object({ at: z.date() })) });
    const check = compileOutputCheck(schema)!;
    const answer = (length: number) => ({
      items: Array.from({ length }, (_, index) => ({ at: new Date(created.getTime() + index) })),
    });
    for (const length of [3, 1500, 2]) expect(expectAsZod(schema, answer(length), check)).toBe(true);
  });

  it("refuses an invalid answer as tRPC's own check does, and passes a valid one", async () => {
    const t = initTRPC.create();
    let answer: { at: Date } = { at: created };
    const router = compileOutputChecks(
      t.router({ read: t.procedure.output(z.object({ at: z.date() })).query(() => answer) }),
    );
    const caller = t.createCallerFactory(router)({});
    expect(await caller.read()).toEqual({ at: created });
    answer = { at: "yesterday" as unknown as Date };
    const refusal = await caller.read().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect(refusal).toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: "Output validation failed" });
  });
});
