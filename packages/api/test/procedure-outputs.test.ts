import { describe, expect, it } from "vitest";
import { procedureCatalog } from "../src/procedure-catalog";

describe("the answers of procedures", () => {
  /*
   * tRPC's output parser takes a resolver's whole answer, which for a subscription is the
   * stream itself, not its events: subscriptions declare no output schema.
   */
  const answering = procedureCatalog.filter((procedure) => procedure.type !== "subscription");

  it("are all validated against an output schema, so that no field leaves unnamed", () => {
    expect(answering.filter((procedure) => !procedure.validatesOutput).map((procedure) => procedure.path)).toEqual([]);
  });
});
