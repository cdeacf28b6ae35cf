import type { CombinedDataTransformer } from "@trpc/server";
import superjson from "superjson";

type DatePaths = Record<string, ["Date"]>;

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
  const dates: DatePaths = {};
  let found = false;
  const path: (string | number)[] = [];
  const seen = new Set<object>();

  // Whether `node` is one superjson would leave as it is, but for Dates it notes in `dates`.
  function plain(node: unknown): boolean {
    switch (typeof node) {
      case "string":
      case "boolean":
        return true;
      case "number":
        return Number.isFinite(node) && !Object.is(node, -0);
      case "object":
        break;
      default:
        return false;
    }
    if (node === null) return true;
    // superjson notes a repeated object as a referential equality.
    if (seen.has(node)) return false;
    seen.add(node);
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index += 1) {
        path.push(index);
        const ok = plain(node[index]);
        path.pop();
        if (!ok) return false;
      }
      return true;
    }
    const prototype = Object.getPrototypeOf(node) as unknown;
    if (prototype === Date.prototype) return noteDate(node as Date);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key of Object.keys(node)) {
      // superjson refuses these keys.
      if (key === "__proto__" || key === "constructor" || key === "prototype") return false;
      path.push(key);
      const ok = plain((node as Record<string, unknown>)[key]);
      path.pop();
      if (!ok) return false;
    }
    return true;
  }

  function noteDate(date: Date): boolean {
    // superjson annotates a Date at the root differently, and an invalid one otherwise.
    if (path.length === 0 || Number.isNaN(date.getTime())) return false;
    // A key holding a dot or a backslash would need superjson's escaping in the path. (A loop
    // with the pattern made once: a page notes a hundred Dates.)
    for (const segment of path) {
      if (typeof segment === "string" && ESCAPED_IN_PATH.test(segment)) return false;
    }
    // superjson gathers the paths level by level in objects, where a key that reads as an array
    // index is listed before the others: a Date under such a key may change the order.
    const key = path[path.length - 1]!;
    if (typeof key === "number" || ARRAY_INDEX.test(key)) return false;
    dates[path.join(".")] = ["Date"];
    found = true;
    return true;
  }

  if (!plain(value)) return superjson.serialize(value);
  // Dates stay Dates in `json`: JSON.stringify writes them as superjson would.
  const json = value as ReturnType<typeof superjson.serialize>["json"];
  return found ? { json, meta: { values: dates, v: 1 } } : { json };
}
