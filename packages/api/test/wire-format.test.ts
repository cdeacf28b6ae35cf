import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { serializeAnswer } from "../src/wire-format";

/** What each serializer writes on the wire, or the error it throws. */
function written(serialize: (value: unknown) => unknown, value: unknown): string {
  try {
    return JSON.stringify(serialize(value));
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
}

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("a.b", "back\\slash", "__proto__", "constructor", "prototype", "0", "items"),
);

const leaf = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, -0, Infinity, undefined),
  fc.date({ noInvalidDate: false }),
  fc.bigInt(),
  fc.constantFrom(new Map([["a", 1]]), new Set([1]), /x/, new Error("e")),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object"), tie("nullPrototype")),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  nullPrototype: fc
    .dictionary(key, tie("value"), { maxKeys: 3 })
    .map((entries) => Object.assign(Object.create(null) as object, entries)),
}));

describe("the wire format's answers", () => {
  it("are byte for byte what superjson writes, whatever the value", () => {
    fc.assert(
      fc.property(value, (answer) => {
        expect(written(serializeAnswer, answer)).toBe(written((v) => superjson.serialize(v), answer));
      }),
      { numRuns: 3_000 },
    );
  });

  it("are byte for byte what superjson writes for a page of products", () => {
    const item = (index: number) => ({
      id: `id-${index}`,
      price: { amount: index * 100, currency: "EUR" },
      createdAt: new Date(1_700_000_000_000 + index),
      updatedAt: new Date(1_700_000_000_500 + index),
      deletedAt: index % 2 ? null : new Date(1_700_000_001_000 + index),
    });
    const page = { items: Array.from({ length: 50 }, (_, index) => item(index)), nextCursor: "abc" };
    expect(written(serializeAnswer, page)).toBe(written((v) => superjson.serialize(v), page));
    // The common case leaves the answer as it is, Dates included, instead of copying it.
    expect(serializeAnswer(page).json).toBe(page);
  });

  it("leaves what it cannot write as superjson does to superjson", () => {
    const shared = new Date(0);
    const few = { x: 1 };
    const many = Array.from({ length: 12 }, (_, index) => ({ index }));
    const cases: unknown[] = [
      { a: shared, b: shared },
      { a: few, b: few },
      { many, again: many[10] },
      { many, again: many[2] },
      [many, many],
      { list: [{ x: 1 }], again: undefined },
      new Date(0),
      { "a.b": new Date(0) },
      { when: new Date(Number.NaN) },
      { n: -0, big: 1n },
    ];
    for (const answer of cases) {
      expect(written(serializeAnswer, answer)).toBe(written((v) => superjson.serialize(v), answer));
    }
  });

  it("starts each answer afresh after one whose getter threw", () => {
    const when = new Date(0);
    const failing = {
      at: when,
      get broken(): never {
        throw new Error("no");
      },
    };
    expect(() => serializeAnswer(failing)).toThrow("no");
    // The Date noted before the throw is not noted in the next answer.
    expect(serializeAnswer({ items: [1] })).toEqual({ json: { items: [1] } });
  });

  it("forgets the objects of one answer before the next, few or many", () => {
    for (const length of [1, 8, 9, 30]) {
      const items = Array.from({ length }, (_, index) => ({ index }));
      serializeAnswer({ items });
      // Met again in the next answer, they are met there for the first time: it is written as it
      // is, not left to superjson (which would copy it) as if they were repeated.
      const next = { again: items };
      expect(serializeAnswer(next)).toEqual({ json: next });
      expect(serializeAnswer(next).json).toBe(next);
    }
  });
});
