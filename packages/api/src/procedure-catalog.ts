import type { AnyProcedure } from "@trpc/server";
import { compareCodeUnits } from "@seed/core";
import type { AccessRule, ProcedureMeta, RestRoute } from "./procedure-meta";
import { appRouter, type AppRouter } from "./root";
import { acceptsApiKeys } from "./middlewares/api-keys";

type PathsOf<TRecord, TPrefix extends string = ""> = {
  [K in keyof TRecord & string]: TRecord[K] extends AnyProcedure
    ? `${TPrefix}${K}`
    : PathsOf<TRecord[K], `${TPrefix}${K}.`>;
}[keyof TRecord & string];

/** Every procedure of the API by its full name, e.g. `admin.users.list`. */
export type ProcedurePath = PathsOf<AppRouter["_def"]["record"]>;

/** A procedure as the router declares it, read from its definition and its meta. */
export interface DeclaredProcedure {
  path: ProcedurePath;
  type: "query" | "mutation" | "subscription";
  access: AccessRule;
  credential: boolean;
  /** Whether a personal API key may call it (see `acceptsApiKeys`). */
  acceptsApiKeys: boolean;
  /** Whether its answer holds a secret, so that it is never compressed. */
  secretOutput: boolean;
  restRoute: DeclaredRestRoute | null;
  /** Why a query or mutation is served over tRPC only. */
  trpcOnly: string | null;
  /** Whether its answers are checked against an output schema, so that no unnamed field leaves. */
  validatesOutput: boolean;
}

/** A REST route as served: its method, its path under /api, and what a success answers. */
export interface DeclaredRestRoute {
  method: RestRoute["method"];
  path: RestRoute["path"];
  successStatus: 200 | NonNullable<RestRoute["successStatus"]>;
  location: RestRoute["location"] | null;
}

/** Whether a procedure answers nothing (its output is `z.void()`), so that REST answers 204. */
function answersNothing(procedure: AnyProcedure): boolean {
  const output = (procedure._def as { output?: { _zod?: { def: { type: string } } } }).output;
  return output?._zod?.def.type === "void";
}

function restRouteOf(procedure: AnyProcedure, route: RestRoute | undefined): DeclaredRestRoute | null {
  if (!route) return null;
  const nothingToSay = route.method === "DELETE" || answersNothing(procedure);
  return {
    method: route.method,
    path: route.path,
    successStatus: route.successStatus ?? (nothingToSay ? 204 : 200),
    location: route.location ?? null,
  };
}

function declarationOf(path: string, procedure: AnyProcedure): DeclaredProcedure {
  const meta = procedure._def.meta as ProcedureMeta | undefined;
  // Only reachable by a procedure built outside trpc.ts's builders, which all declare one.
  if (!meta?.access) throw new Error(`Procedure ${path} declares no access rule: build it from a builder of trpc.ts`);
  return {
    path: path as ProcedurePath,
    type: procedure._def.type,
    access: meta.access,
    credential: meta.credential ?? false,
    acceptsApiKeys: acceptsApiKeys(procedure._def.type, meta),
    secretOutput: meta.secretOutput ?? false,
    restRoute: restRouteOf(procedure, meta.openapi),
    trpcOnly: meta.trpcOnly ?? null,
    validatesOutput: "output" in procedure._def && procedure._def.output !== undefined,
  };
}

/** The router's procedures by full path, as tRPC flattens them. */
export const proceduresByPath = appRouter._def.procedures as unknown as Readonly<Record<ProcedurePath, AnyProcedure>>;

/**
 * Every procedure of the router, sorted by path: the source of every list and document about them.
 * Sorted by code unit, the same on every machine: `localeCompare` would load ICU's collation data
 * into every server at start-up (about 2 MiB resident) for names that are plain ASCII.
 */
export const procedureCatalog: readonly DeclaredProcedure[] = Object.entries(proceduresByPath)
  .map(([path, procedure]) => declarationOf(path, procedure))
  .sort((a, b) => compareCodeUnits(a.path, b.path));
