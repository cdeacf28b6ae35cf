import type { AnyRouter } from "@trpc/server";
import { z } from "zod";

export interface ProcedureEntry {
  path: string;
  type: "query" | "mutation" | "subscription";
  /** The procedure's input schema, its `.input(...)` calls merged; null when it takes none. */
  input: z.ZodType | null;
  /** The REST route that serves it, when it has one. */
  rest: { method: string; path: string } | null;
}

interface ProcedureDef {
  type: ProcedureEntry["type"];
  inputs: z.ZodType[];
  meta?: { openapi?: { method: string; path: string } };
}

/** Every procedure of a router as it is at run time, so a new one is found without a list to update. */
export function procedureInputs(router: AnyRouter): ProcedureEntry[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  return Object.entries(procedures).map(([path, procedure]) => {
    const { type, inputs, meta } = procedure._def;
    const rest = meta?.openapi ? { method: meta.openapi.method, path: meta.openapi.path } : null;
    return { path, type, input: mergedInput(path, inputs), rest };
  });
}

/** tRPC merges chained object inputs; so does this. */
function mergedInput(path: string, inputs: z.ZodType[]): z.ZodType | null {
  if (inputs.length <= 1) return inputs[0] ?? null;
  if (!inputs.every((input) => input instanceof z.ZodObject)) {
    throw new Error(`${path} chains inputs that are not all objects`);
  }
  return z.object(Object.assign({}, ...inputs.map((input) => (input as z.ZodObject).shape)));
}
