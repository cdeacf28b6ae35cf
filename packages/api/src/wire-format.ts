import type { CombinedDataTransformer } from "@trpc/server";
import superjson from "superjson";
import { MetOnce } from "./met-once";

/** Where superjson notes Dates: each one's path, with its type. */
export type DatePaths = Record<string, ["Date"]>;

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;
/** A key superjson escapes in a path. */
const ESCAPED_IN_PATH = /[.\\]/;

/**
 * What travels between client and server: superjson, so that Dates arrive as Dates.
 *
 * Answers are serialized by `serializeAnswer`, which writes exactly what `superjson.serialize`
 * writes, faster for the answers nearly every procedure gives: plain objects and arrays of
 * strings, booleans, finite numbers, null and valid Dates. It leaves the Dates in place, since
 * `JSON.stringify` writes a Date as `toISOString()`, as superjson does, and only notes where they
 * are. Anything else (undefined, Maps, a repeated object, a key superjson would escape...) goes
 * to superjson itself. Inputs are read by superjson.
 */
export const wireFormat: CombinedDataTransformer = {
  input: superjson,
  output: {
    serialize: serializeAnswer,
    deserialize: (value: Parameters<typeof superjson.deserialize>[0]) => superjson.deserialize(value),
  },
};

export function serializeAnswer(value: unknown): ReturnType<typeof superjson.serialize> {
  const checked = typeof value === "object" && value !== null ? checkedAnswers.get(value) : undefined;
  if (checked) return answer(value, checked);
  let ok: boolean;
  let found: DatePaths | undefined;
  try {
    ok = plain(value, undefined, undefined, false);
    found = dates;
  } finally {
    // Also when a getter threw: the next walk starts afresh.
    seen.forget();
    dates = undefined;
  }
  if (!ok) return superjson.serialize(value);
  return answer(value, found);
}

function answer(value: unknown, found: DatePaths | undefined): ReturnType<typeof superjson.serialize> {
  // Dates stay Dates in `json`: JSON.stringify writes them as superjson would.
  const json = value as ReturnType<typeof superjson.serialize>["json"];
  return found ? { json, meta: { values: found, v: 1 } } : { json };
}

/**
 * Answers whose Dates were found by their output check (compiled-output-check.ts), which made
 * them as fresh copies. Only copies on their way to a client are noted here, and nothing changes
 * them on that way; a copy answered to a caller in this process, which may change it, is not.
 */
const checkedAnswers = new WeakMap<object, DatePaths>();

/**
 * Notes where the Dates of `answer` are, as the walk below would find them: `answer` must be a
 * copy made of plain objects and arrays, strings, booleans, finite numbers but -0, null and valid
 * Dates, each object and Date met once, under keys superjson writes as they are.
 */
export function rememberDatePaths(answer: object, dates: DatePaths): void {
  checkedAnswers.set(answer, dates);
}

/*
 * The state of one walk, kept between calls instead of made for each (an answer of one small
 * object cost 800 ns with it made anew, 90 ns now): a walk runs to its end synchronously, and
 * nothing it calls serializes another answer.
 */
/** The objects met so far: superjson notes a repeated object as a referential equality. */
const seen = new MetOnce<object>();
/** The Dates met so far, by path, as superjson notes them. */
let dates: DatePaths | undefined;

/**
 * Whether `node` is one superjson would leave as it is, but for Dates it notes in `dates`. `parent`
 * is the path of the object or array holding it as superjson writes it (undefined at the root and
 * just under it), `key` where it is in that parent, and `escapedAbove` whether a segment of
 * `parent` holds what superjson escapes in a path.
 */
function plain(
  node: unknown,
  parent: string | undefined,
  key: string | number | undefined,
  escapedAbove: boolean,
): boolean {
  if (typeof node !== "object") return plainLeaf(node);
  if (node === null) return true;
  if (!seen.first(node)) return false;
  // The path is written for objects only: a leaf, which most nodes are, needs none.
  const at = key === undefined ? undefined : parent === undefined ? String(key) : `${parent}.${key}`;
  const escaped = escapedAbove || (typeof key === "string" && ESCAPED_IN_PATH.test(key));
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index += 1) {
      if (!plain(node[index], at, index, escaped)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(node) as unknown;
  if (prototype === Date.prototype) return noteDate(node as Date, at, key, escaped);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const name of Object.keys(node)) {
    if (refusedBySuperjson(name)) return false;
    if (!plain((node as Record<string, unknown>)[name], at, name, escaped)) return false;
  }
  return true;
}

/** A leaf superjson writes as JSON does: a string, a boolean, or a finite number but -0. */
export function plainLeaf(node: unknown): boolean {
  switch (typeof node) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(node) && !Object.is(node, -0);
    default:
      return false;
  }
}

function refusedBySuperjson(key: string): boolean {
  return key === "__proto__" || key === "constructor" || key === "prototype";
}

/**
 * A key under which the walk notes a Date wherever it is: superjson neither refuses nor escapes
 * it, and it does not read as an array index (see `noteDate`).
 */
export function keyWrittenAsIs(key: string): boolean {
  return !refusedBySuperjson(key) && !ESCAPED_IN_PATH.test(key) && !ARRAY_INDEX.test(key);
}

function noteDate(date: Date, at: string | undefined, key: string | number | undefined, escaped: boolean): boolean {
  // superjson annotates a Date at the root differently, and an invalid one otherwise; a key
  // holding a dot or a backslash would need its escaping in the path.
  if (at === undefined || escaped || Number.isNaN(date.getTime())) return false;
  // superjson gathers the paths level by level in objects, where a key that reads as an array
  // index is listed before the others: a Date under such a key may change the order.
  if (typeof key === "number" || ARRAY_INDEX.test(key!)) return false;
  (dates ??= {})[at] = ["Date"];
  return true;
}
