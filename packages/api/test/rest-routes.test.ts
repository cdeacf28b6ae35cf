/*
 * The conventions of the REST face, checked on every procedure of the router, so that a new one
 * is held to them without a list to update: each query and mutation is on REST or says why not,
 * routes cannot be mistaken for one another, statuses follow the method, and no secret is read
 * from a URL.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { type DeclaredProcedure, procedureCatalog, proceduresByPath } from "../src/procedure-catalog";

const routed = procedureCatalog.filter((procedure) => procedure.restRoute !== null);
const routeOf = (procedure: DeclaredProcedure) => procedure.restRoute!;
const segmentsOf = (path: string) => path.split("/").filter(Boolean);
const isParameter = (segment: string) => segment.startsWith("{");

/** Whether one URL could reach both paths: same length, every segment equal or a parameter on either side. */
function overlap(a: string, b: string): boolean {
  const [left, right] = [segmentsOf(a), segmentsOf(b)];
  return (
    left.length === right.length &&
    left.every(
      (segment, i) =>
        isParameter(segment) || isParameter(right[i]!) || segment.toLowerCase() === right[i]!.toLowerCase(),
    )
  );
}

/** The fields of a procedure's input, its chained object inputs together. */
function inputFieldsOf(procedure: DeclaredProcedure): string[] {
  const inputs = proceduresByPath[procedure.path]._def.inputs as z.ZodType[];
  return inputs.flatMap((input) => {
    const def = input._zod.def as { shape?: object; innerType?: { _zod: { def: { shape?: object } } } };
    return Object.keys(def.shape ?? def.innerType?._zod.def.shape ?? {});
  });
}

function outputFieldsOf(procedure: DeclaredProcedure): string[] {
  const output = (proceduresByPath[procedure.path]._def as { output?: { _zod: { def: { shape?: object } } } }).output;
  return Object.keys(output?._zod.def.shape ?? {});
}

/** Secrets go in bodies or headers: a URL ends up in logs, proxies and browser history. */
const SECRET_FIELD = /password|token|secret|code|challenge/i;

describe("the REST face of the procedures", () => {
  it("serves every query and mutation, or says in its meta why it is tRPC-only", () => {
    const unaccounted = procedureCatalog
      .filter((procedure) => procedure.type !== "subscription")
      .filter((procedure) => procedure.restRoute === null && procedure.trpcOnly === null)
      .map((procedure) => procedure.path);
    expect(
      unaccounted,
      'Give each a REST route (`openapi: { method, path, ... }` in its meta) or a reason (`trpcOnly: "..."`)',
    ).toEqual([]);
  });

  it("gives a procedure a route or a reason, never both, and a subscription neither", () => {
    expect(procedureCatalog.filter((p) => p.restRoute !== null && p.trpcOnly !== null).map((p) => p.path)).toEqual([]);
    const subscriptions = procedureCatalog.filter((procedure) => procedure.type === "subscription");
    expect(subscriptions.length).toBeGreaterThan(0);
    expect(subscriptions.filter((p) => p.restRoute !== null || p.trpcOnly !== null).map((p) => p.path)).toEqual([]);
  });

  it("writes each reason for being tRPC-only as a sentence", () => {
    for (const { path, trpcOnly } of procedureCatalog.filter((procedure) => procedure.trpcOnly !== null)) {
      expect(trpcOnly, path).toMatch(/^[A-Z].{30,}\.$/s);
    }
  });

  it("never lets one URL reach two routes of a method, whatever the path parameters hold", () => {
    const clashes = routed.flatMap((a, i) =>
      routed
        .slice(i + 1)
        .filter((b) => routeOf(a).method === routeOf(b).method && overlap(routeOf(a).path, routeOf(b).path))
        .map((b) => `${a.path} and ${b.path}`),
    );
    expect(clashes).toEqual([]);
  });

  it("answers 201 or 202 only to a POST, with where to read what it made when it made something", () => {
    for (const procedure of routed) {
      const { method, successStatus, location } = routeOf(procedure);
      if (successStatus === 201 || successStatus === 202) expect(method, procedure.path).toBe("POST");
      if (successStatus === 201) expect(location, `${procedure.path} creates: name its Location`).not.toBeNull();
      if (location !== null) expect([201, 202], procedure.path).toContain(successStatus);
    }
  });

  it("points every Location at a GET route, filled from fields of the output", () => {
    const readable = routed.filter((procedure) => routeOf(procedure).method === "GET");
    for (const procedure of routed.filter((p) => routeOf(p).location !== null)) {
      const location = routeOf(procedure).location!;
      expect(
        readable.some((reader) => overlap(routeOf(reader).path, location)),
        `${procedure.path}: ${location}`,
      ).toBe(true);
      const fields = [...location.matchAll(/\{(\w+)\}/g)].map(([, field]) => field);
      expect(outputFieldsOf(procedure), procedure.path).toEqual(expect.arrayContaining(fields));
    }
  });

  it("answers a DELETE with 204, and anything else with a body unless its output is empty", () => {
    for (const procedure of routed) {
      const { method, successStatus } = routeOf(procedure);
      if (method === "DELETE") expect(successStatus, procedure.path).toBe(204);
    }
    expect(routeOf(procedureCatalog.find((p) => p.path === "admin.jobs.retry")!).successStatus).toBe(204);
    expect(routeOf(procedureCatalog.find((p) => p.path === "products.get")!).successStatus).toBe(200);
  });

  it("reads no password, token or code from a URL, and takes credentials only in a POST body", () => {
    const inUrl = routed.filter((procedure) => ["GET", "DELETE"].includes(routeOf(procedure).method));
    const exposed = inUrl.flatMap((procedure) =>
      inputFieldsOf(procedure)
        .filter((field) => SECRET_FIELD.test(field))
        .map((field) => `${procedure.path}.${field}`),
    );
    expect(exposed).toEqual([]);
    // The check sees fields at all: these routes do take input from the URL.
    expect(inputFieldsOf(procedureCatalog.find((p) => p.path === "products.list")!)).toContain("search");

    const credentials = routed.filter((procedure) => procedure.credential);
    expect(credentials.filter((procedure) => routeOf(procedure).method !== "POST").map((p) => p.path)).toEqual([]);
  });
});
