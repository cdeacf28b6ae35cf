import type { AnyRouter, AnyTRPCMiddlewareFunction } from "@trpc/server";
import { z } from "zod";
import type { Context } from "./context";
import { MetOnce } from "./met-once";
import { keyWrittenAsIs, plainLeaf, rememberDatePaths, type DatePaths } from "./wire-format";

/*
 * tRPC checks every answer against its procedure's `.output()` schema, and zod's check walks the
 * answer generically and copies it node by node: for a page of 50 products it was the largest
 * cost of ours after JSON.stringify, followed by the wire format's walk for Dates. The check
 * below is compiled from the schema into one function that tests each node with the very
 * conditions zod applies, copies the answer as zod would (the same keys in the same order, fresh
 * objects and arrays, the same Dates, or for a client the text they are written as), and writes
 * down where the Dates are as it goes, so that the wire format has nothing left to look for.
 *
 * It is an optimization, never a second opinion: a schema it cannot compile keeps zod's check,
 * and an answer it does not pass, whether invalid or merely unusual (a repeated Date, a -0,
 * undefined under an optional key, a getter that throws), goes to zod's check as before, which
 * answers, strips or refuses it as it always did. compiled-output-check.test.ts holds the two
 * against each other on every node of sample answers replaced by hostile values.
 */

/** What a compiled check answers when zod is to decide (and what it throws to get there). */
export const UNCHECKED = Symbol("unchecked");

/**
 * The answer's copy, or UNCHECKED. `sent`: the copy goes to a client, not to a caller in this
 * process, so its Dates' paths are handed to the wire format, and it holds each Date as the text
 * JSON writes it as.
 */
export type OutputCheck = (answer: unknown, sent: boolean) => unknown;
type Schema = z.core.$ZodType;

/**
 * Gives each procedure of `router` that has an output schema the compiled check of that schema in
 * place of tRPC's output middleware, when the schema compiles. Applied once to the app's router.
 *
 * Where the output middleware comes last before the resolver (tRPC appends the resolver as the
 * last middleware), the check calls the resolver itself: one step of tRPC's middleware chain
 * less for each call (a promise, an options object and a closure).
 */
export function compileOutputChecks<TRouter extends AnyRouter>(router: TRouter): TRouter {
  for (const procedure of Object.values(router._def.procedures as Record<string, ProcedureWithDef>)) {
    const { output, middlewares } = procedure._def;
    const index = middlewares.findIndex((middleware) => middleware._type === "output");
    const check = output && index !== -1 ? compileOutputCheck(output as Schema) : null;
    if (!check) continue;
    const resolverFollows = index === middlewares.length - 2;
    const resolver = resolverFollows ? middlewares[index + 1] : undefined;
    middlewares.splice(index, resolverFollows ? 2 : 1, compiledOutputMiddleware(check, middlewares[index]!, resolver));
  }
  return router;
}

interface ProcedureWithDef {
  _def: { output?: unknown; middlewares: (AnyTRPCMiddlewareFunction & { _type?: string })[] };
}

/** `resolver`: the procedure's last middleware, run in place of `next` (its options are the same). */
function compiledOutputMiddleware(
  check: OutputCheck,
  zodCheck: AnyTRPCMiddlewareFunction,
  resolver: AnyTRPCMiddlewareFunction | undefined,
): AnyTRPCMiddlewareFunction {
  const middleware: AnyTRPCMiddlewareFunction & { _type?: string } = async function compiledOutputCheck(options) {
    const result = await (resolver ? resolver(options) : options.next());
    if (!result.ok) return result;
    // Only a copy on its way to a client is the wire format's, with its Dates as text. An answer
    // to a caller in this process (or to one whose context names no transport) is theirs to
    // change, and keeps its Dates.
    const transport = (options.ctx as Partial<Context> | undefined)?.transport;
    const checked = check(result.data, transport === "http" || transport === "websocket");
    if (checked !== UNCHECKED) return { ...result, data: checked };
    // tRPC's own middleware, handed the result already computed: zod's copy or its refusal.
    return zodCheck({ ...options, next: () => Promise.resolve(result) } as Parameters<AnyTRPCMiddlewareFunction>[0]);
  };
  middleware._type = "output";
  return middleware;
}

/*
 * The state of one check, kept between calls like the wire format's: a check runs to its end
 * synchronously, and one that starts inside another (from a refinement or a getter the outer
 * one runs) leaves its answer to zod.
 */
let running = false;
/** Dates met so far: superjson notes a repeated one as a referential equality, which zod decides. */
const seenDates = new MetOnce<Date>();
let datePaths: DatePaths | undefined;
const DATE = Object.freeze(["Date"]) as ["Date"];

/** Whether the copy being made goes to a client (see `noteDate`). */
let sent = false;

/**
 * Notes where a Date is, and gives what the copy holds in its place: the Date itself, or for a
 * copy on its way to a client, the text `JSON.stringify` would write for it. V8 writes a Date by
 * looking up its `toJSON` and calling it from native code, which cost a page of 50 products
 * (100 Dates) 147 µs of `JSON.stringify` against 80 with the text made here (bench/README.md).
 * The path noted in superjson's metadata still tells the client that it is a Date.
 */
function noteDate(date: Date, path: string): Date | string {
  if (!seenDates.first(date)) throw UNCHECKED;
  (datePaths ??= {})[path] = DATE;
  return sent ? date.toISOString() : date;
}

function runCheck(check: (answer: unknown) => unknown, answer: unknown, toClient: boolean): unknown {
  if (running) return UNCHECKED;
  running = true;
  sent = toClient;
  try {
    const copy = check(answer);
    // Only answers holding Dates: noting the others would cost more than the walk it saves.
    if (sent && datePaths) rememberDatePaths(copy as object, datePaths);
    return copy;
  } catch {
    // Also a getter that threw: zod reads it again and reports it as it always did.
    return UNCHECKED;
  } finally {
    running = false;
    seenDates.forget();
    datePaths = undefined;
  }
}

/** Thrown while compiling: the schema keeps zod's check. */
class NotCompiled extends Error {}

/** Where a node sits: the expression of its superjson path, and the key holding it. */
interface Place {
  /** A JavaScript expression for the node's path; null at the root, undefined where no Date lies. */
  path: string | null | undefined;
  /** The key holding the node in its parent object, or null under an array or at the root. */
  key: string | null;
  /**
   * The index variable of the one array the node is in, when its path is made of that index and
   * constants only (a page's `items.7.createdAt`): the path of a Date there is made once for each
   * index and kept (see `date`).
   */
  index?: string | undefined;
}

/**
 * How many paths a Date's place keeps, one for each index of its array: a page's worth and more.
 * Made anew, each path is a new string that becomes a property key of the metadata, which cost
 * a page of products a tenth of its check; kept, V8 finds it among the keys it already knows.
 */
const KEPT_PATHS = 1024;

const ROOT: Place = { path: null, key: null };
/** Schemas whose answers are never objects, so that zod may check them alone, as leaves. */
const LEAF_TYPES = new Set(["string", "number", "boolean", "literal", "enum", "null", "template_literal"]);

export function compileOutputCheck(schema: Schema): OutputCheck | null {
  let check: (answer: unknown) => unknown;
  try {
    const compiler = new CheckCompiler();
    const result = compiler.node(schema, "answer", ROOT);
    // Of the schema, only keys (as JSON string literals) and numeric bounds are written into the
    // source; every other value is read from `constants`.
    const make = new Function(
      "constants",
      "noteDate",
      "leaf",
      "codePoints",
      "UNCHECKED",
      `return function check(answer) {\n${compiler.lines.join("\n")}\nreturn ${result};\n};`,
    );
    check = make(compiler.constants, noteDate, checkLeaf, z.core.util.codePointLength, UNCHECKED) as typeof check;
  } catch {
    // A schema it does not compile, or a process that refuses code made at run time: zod's check.
    return null;
  }
  return (answer, sent) => runCheck(check, answer, sent);
}

/** A leaf zod checks alone: it passes only as a value the wire format writes as it is. */
function checkLeaf(schema: Schema, value: unknown): unknown {
  if (value === undefined) throw UNCHECKED;
  const result = z.safeParse(schema, value);
  if (!result.success) throw UNCHECKED;
  const checked = result.data;
  if (checked !== null && !plainLeaf(checked)) throw UNCHECKED;
  return checked;
}

class CheckCompiler {
  readonly lines: string[] = [];
  readonly constants: unknown[] = [];
  private readonly compiling = new Set<Schema>();
  private names = 0;

  private name(prefix: string): string {
    this.names += 1;
    return `${prefix}${this.names}`;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `constants[${this.constants.length - 1}]`;
  }

  private require(condition: string): void {
    this.lines.push(`if (!(${condition})) throw UNCHECKED;`);
  }

  /** Writes the check of `value` against `schema`, and answers the expression of its copy. */
  node(schema: Schema, value: string, place: Place): string {
    // A schema met again inside itself (a recursive one) is zod's to check.
    if (this.compiling.has(schema)) throw new NotCompiled();
    this.compiling.add(schema);
    const copy = this.nodeOnce(schema, value, place);
    this.compiling.delete(schema);
    return copy;
  }

  private nodeOnce(schema: Schema, value: string, place: Place): string {
    const def = schema._zod.def as Schema["_zod"]["def"] & Record<string, unknown>;
    if (def.type === "string") return this.string(schema, value);
    if (def.type === "number") return this.number(schema, value);
    // Checks of any other node (refinements, mostly) are zod's to run.
    if ((def.checks?.length ?? 0) > 0 || def.check !== undefined) {
      if (isLeafSchema(schema)) return this.leaf(schema, value);
      throw new NotCompiled();
    }
    switch (def.type) {
      case "boolean":
        if (def.coerce) return this.leaf(schema, value);
        this.require(`typeof ${value} === "boolean"`);
        return value;
      case "null":
        this.require(`${value} === null`);
        return value;
      case "date":
        return this.date(schema, value, place);
      case "literal":
      case "enum":
        return this.oneOf(schema, value);
      case "nullable":
        return this.nullable(def.innerType as Schema, value, place);
      case "object":
        return this.object(schema as z.core.$ZodObject, value, place);
      case "array":
        return this.array(schema as z.core.$ZodArray, value, place);
      default:
        if (isLeafSchema(schema)) return this.leaf(schema, value);
        throw new NotCompiled();
    }
  }

  private leaf(schema: Schema, value: string): string {
    const checked = this.name("leaf");
    this.lines.push(`const ${checked} = leaf(${this.constant(schema)}, ${value});`);
    return checked;
  }

  private string(schema: Schema, value: string): string {
    const def = schema._zod.def as z.core.$ZodStringDef & { format?: string; pattern?: RegExp };
    const conditions = [`typeof ${value} === "string"`];
    if (def.format !== undefined) {
      if ((def.format !== "uuid" && def.format !== "guid") || !def.pattern) return this.leaf(schema, value);
      conditions.push(this.matches(def.pattern, value));
    }
    for (const check of def.checks ?? []) {
      const checkDef = check._zod.def as { check: string; format?: string; pattern?: RegExp } & Record<string, unknown>;
      const { minimum, maximum } = checkDef;
      // zod counts code points, and a code point is one or two UTF-16 units: a string of at most
      // `maximum` units has at most `maximum` code points, and one of at least twice `minimum`
      // units at least `minimum`; in between, they are counted.
      if (checkDef.check === "min_length" && typeof minimum === "number") {
        conditions.push(`(${value}.length >= ${2 * minimum} || codePoints(${value}) >= ${minimum})`);
      } else if (checkDef.check === "max_length" && typeof maximum === "number") {
        // Stricter than zod for a string with more units than code points: zod then decides.
        conditions.push(`${value}.length <= ${maximum}`);
      } else if (checkDef.check === "string_format" && checkDef.format === "regex" && checkDef.pattern) {
        conditions.push(this.matches(checkDef.pattern, value));
      } else return this.leaf(schema, value);
    }
    if (def.coerce) return this.leaf(schema, value);
    this.require(conditions.join(" && "));
    return value;
  }

  private matches(pattern: RegExp, value: string): string {
    const regex = this.constant(pattern);
    // As zod tests a pattern: from its start, whatever a global or sticky flag left behind.
    return `(${regex}.lastIndex = 0, ${regex}.test(${value}))`;
  }

  private number(schema: Schema, value: string): string {
    const def = schema._zod.def as z.core.$ZodNumberDef & { format?: string };
    if (def.coerce) return this.leaf(schema, value);
    // zod takes -0, which superjson writes apart: such an answer goes to zod and superjson.
    const conditions = [`typeof ${value} === "number"`, `Number.isFinite(${value})`, `!Object.is(${value}, -0)`];
    // z.int() and its kin are number schemas that are their own format check.
    if (def.format !== undefined) {
      if (def.format !== "safeint") return this.leaf(schema, value);
      conditions.push(`Number.isSafeInteger(${value})`);
    }
    for (const check of def.checks ?? []) {
      const checkDef = check._zod.def as { check: string; format?: string; value?: unknown; inclusive?: boolean };
      const bound = typeof checkDef.value === "number" ? checkDef.value : undefined;
      if (checkDef.check === "number_format" && checkDef.format === "safeint") {
        conditions.push(`Number.isSafeInteger(${value})`);
      } else if (checkDef.check === "greater_than" && bound !== undefined) {
        conditions.push(`${value} ${checkDef.inclusive ? ">=" : ">"} ${bound}`);
      } else if (checkDef.check === "less_than" && bound !== undefined) {
        conditions.push(`${value} ${checkDef.inclusive ? "<=" : "<"} ${bound}`);
      } else return this.leaf(schema, value);
    }
    this.require(conditions.join(" && "));
    return value;
  }

  private date(schema: Schema, value: string, place: Place): string {
    const def = schema._zod.def as z.core.$ZodDateDef;
    // The wire format leaves a Date at the root or in an array to superjson, so the schema is
    // left to zod.
    if (def.coerce || typeof place.path !== "string" || place.key === null) throw new NotCompiled();
    // zod takes a subclass of Date, which the wire format leaves to superjson.
    this.require(
      `${value} instanceof Date && Object.getPrototypeOf(${value}) === Date.prototype && !Number.isNaN(${value}.getTime())`,
    );
    const path = place.index
      ? `(${place.index} < ${KEPT_PATHS} ? (${this.constant([])}[${place.index}] ??= ${place.path}) : ${place.path})`
      : place.path;
    const copy = this.name("date");
    this.lines.push(`const ${copy} = noteDate(${value}, ${path});`);
    return copy;
  }

  private oneOf(schema: Schema, value: string): string {
    const values = [...(schema._zod.values ?? [])];
    const simple = values.every((candidate) => candidate === null || plainLeaf(candidate));
    if (!simple || values.length === 0) return this.leaf(schema, value);
    // zod's Set takes -0 for 0, which superjson writes apart.
    this.require(`${this.constant(new Set(values))}.has(${value}) && !Object.is(${value}, -0)`);
    return value;
  }

  private nullable(inner: Schema, value: string, place: Place): string {
    const copy = this.name("nullable");
    this.lines.push(`let ${copy} = null;`, `if (${value} !== null) {`);
    this.lines.push(`${copy} = ${this.node(inner, value, place)};`, "}");
    return copy;
  }

  private object(schema: z.core.$ZodObject, value: string, place: Place): string {
    const def = schema._zod.def;
    // zod also checks symbol keys, which the copy below would leave out.
    if (def.catchall || Object.getOwnPropertySymbols(def.shape).length > 0) throw new NotCompiled();
    this.require(`typeof ${value} === "object" && ${value} !== null && !Array.isArray(${value})`);
    const path = this.pathVariable(schema, place);
    const fields: { property: string; copy: string; optional: boolean }[] = [];
    for (const [key, field] of Object.entries(def.shape)) {
      if (!keyWrittenAsIs(key)) throw new NotCompiled();
      const property = JSON.stringify(key);
      const fieldValue = this.name("field");
      this.lines.push(`const ${fieldValue} = ${value}[${property}];`);
      const fieldPath = path === null ? property : path && `${path} + ${JSON.stringify(`.${key}`)}`;
      const fieldPlace = { path: fieldPath, key, index: place.index };
      const fieldDef = field._zod.def as Schema["_zod"]["def"] & { innerType?: Schema };
      if (field._zod.optin === undefined && field._zod.optout === undefined) {
        fields.push({ property, copy: this.node(field, fieldValue, fieldPlace), optional: false });
      } else if (
        fieldDef.type === "optional" &&
        field._zod.optin === "optional" &&
        field._zod.optout === "optional" &&
        (fieldDef.checks?.length ?? 0) === 0
      ) {
        // Left out when absent, as zod leaves it out; present but undefined, superjson would note it.
        const fieldCopy = this.name("optional");
        this.lines.push(`let ${fieldCopy};`, `if (${fieldValue} !== undefined) {`);
        this.lines.push(`${fieldCopy} = ${this.node(fieldDef.innerType!, fieldValue, fieldPlace)};`);
        this.lines.push(`} else if (${property} in ${value}) throw UNCHECKED;`);
        fields.push({ property, copy: fieldCopy, optional: true });
      } else {
        throw new NotCompiled();
      }
    }
    const copy = this.name("object");
    if (!fields.some((field) => field.optional)) {
      // A literal when every key is there: V8 makes it from one template, in the shape's order.
      this.lines.push(`const ${copy} = { ${fields.map((field) => `${field.property}: ${field.copy}`).join(", ")} };`);
      return copy;
    }
    this.lines.push(`const ${copy} = {};`);
    for (const field of fields) {
      const assignment = `${copy}[${field.property}] = ${field.copy};`;
      this.lines.push(field.optional ? `if (${field.copy} !== undefined) ${assignment}` : assignment);
    }
    return copy;
  }

  private array(schema: z.core.$ZodArray, value: string, place: Place): string {
    const def = schema._zod.def;
    this.require(`Array.isArray(${value})`);
    const path = this.pathVariable(schema, place);
    const copy = this.name("array");
    const index = this.name("index");
    const item = this.name("item");
    this.lines.push(`const ${copy} = [];`);
    this.lines.push(`for (let ${index} = 0; ${index} < ${value}.length; ${index} += 1) {`);
    this.lines.push(`const ${item} = ${value}[${index}];`);
    const itemPath = path === null ? `String(${index})` : path && `${path} + "." + ${index}`;
    // In an array in an array, a path is made of two indexes: it is made anew each time.
    const itemPlace = { path: itemPath, key: null, index: place.index ? undefined : index };
    this.lines.push(`${copy}.push(${this.node(def.element, item, itemPlace)});`);
    this.lines.push("}");
    return copy;
  }

  /**
   * The node's path in a variable of its own, for the Dates it holds (undefined if none); where
   * their paths are kept for each index, the expression itself, to be evaluated only when a path
   * is made.
   */
  private pathVariable(schema: Schema, place: Place): string | null | undefined {
    if (place.path === null) return null;
    if (place.path === undefined || !holdsDates(schema)) return undefined;
    if (place.index) return `(${place.path})`;
    const path = this.name("path");
    this.lines.push(`const ${path} = ${place.path};`);
    return path;
  }
}

/**
 * Whether an answer of `schema` may hold a Date, whose path the check then writes down. `within`:
 * the schemas being looked into, as a recursive schema holds itself.
 */
function holdsDates(schema: Schema, within = new Set<Schema>()): boolean {
  if (within.has(schema)) return false;
  within.add(schema);
  const def = schema._zod.def as Schema["_zod"]["def"] & Record<string, unknown>;
  let holds = false;
  if (def.type === "date") holds = true;
  else if (def.type === "nullable" || def.type === "optional") holds = holdsDates(def.innerType as Schema, within);
  else if (def.type === "array") holds = holdsDates(def.element as Schema, within);
  else if (def.type === "object") {
    holds = Object.values(def.shape as Record<string, Schema>).some((field) => holdsDates(field, within));
  }
  within.delete(schema);
  return holds;
}

/** Whether every answer of `schema` is a primitive (or zod fails it), so that zod may check it alone. */
function isLeafSchema(schema: Schema, within = new Set<Schema>()): boolean {
  if (within.has(schema)) return false;
  within.add(schema);
  const def = schema._zod.def as { type: string; options?: Schema[]; innerType?: Schema };
  const leaf =
    LEAF_TYPES.has(def.type) ||
    (def.type === "nullable" && isLeafSchema(def.innerType!, within)) ||
    (def.type === "union" && (def.options ?? []).every((option) => isLeafSchema(option, within)));
  within.delete(schema);
  return leaf;
}
