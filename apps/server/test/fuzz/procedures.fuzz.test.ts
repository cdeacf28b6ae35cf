/*
 * Every procedure of the router, found at run time, called over HTTP as an anonymous caller, a
 * customer and an admin with inputs generated from its own zod schema, valid and one step off.
 * Whatever comes in, the server answers without a 5xx, keeps internals out of its error bodies
 * and is still ready afterwards.
 *
 * CI runs a fixed seed and a few runs per procedure and caller. For a long local run:
 *   FUZZ_RUNS=500 FUZZ_SEED=$RANDOM pnpm vitest run apps/server/test/fuzz
 */
import { appRouter } from "@seed/api";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { availableBackends, uniqueEmail, useDeployment, type TestServer } from "../support/test-server";
import { expectNoInternals } from "../support/leaks";
import { procedureInputs, type ProcedureEntry } from "./procedures";
import { sendTrpcCall } from "./trpc-wire";
import { nearMissInputOf, validInputOf } from "./zod-arbitraries";

const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
const SEED = Number(process.env.FUZZ_SEED ?? 424_242);
const LONG_RUN_TIMEOUT_MS = 60 * 60 * 1000;

const adminEmail = uniqueEmail("fuzz-admin");
const password = "a long passphrase for fuzzing";

type Persona = "anonymous" | "customer" | "admin";

/** Sends one call the way a tRPC client does. */
async function send(server: TestServer, procedure: ProcedureEntry, input: unknown, token: string | null) {
  const response = await sendTrpcCall(server, procedure, input, token);
  return { status: response.status, text: await response.text() };
}

describe.each(availableBackends())("fuzzing every procedure on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: password, RATE_LIMIT_MAX: "1000000", AUTH_RATE_LIMIT_MAX: "10000" },
  });
  const tokens = new Map<Persona, string | null>([["anonymous", null]]);
  const emails = new Map<Persona, string>([
    ["customer", uniqueEmail("fuzz-customer")],
    ["admin", adminEmail],
  ]);

  /** Signs the persona in again: a fuzzed call may well have ended its sessions. */
  async function signIn(persona: Persona): Promise<void> {
    const email = emails.get(persona);
    if (!email) return;
    const result = await deployment.server.client().api.auth.login.mutate({ email, password });
    if (result.status !== "signed-in") throw new Error(`${persona} was asked for a second factor`);
    tokens.set(persona, result.accessToken);
  }

  beforeAll(async () => {
    await deployment.server.client().api.auth.register.mutate({ email: emails.get("customer")!, password });
    await Promise.all([signIn("customer"), signIn("admin")]);
  });

  describe.each(procedureInputs(appRouter))("$path", (procedure) => {
    const inputs = procedure.input
      ? fc.oneof(validInputOf(procedure.input), nearMissInputOf(procedure.input))
      : fc.oneof(fc.constant(undefined), fc.anything({ maxDepth: 2 }));

    it.each(["anonymous", "customer", "admin"] as const)(
      "answers %s without a server error or a leak",
      async (persona) => {
        await fc.assert(
          fc.asyncProperty(inputs, async (input) => {
            let answer = await send(deployment.server, procedure, input, tokens.get(persona) ?? null);
            if (answer.status === 401 && persona !== "anonymous") {
              await signIn(persona);
              answer = await send(deployment.server, procedure, input, tokens.get(persona) ?? null);
            }
            expect(answer.status, answer.text).toBeLessThan(500);
            if (answer.status >= 400) expectNoInternals(answer.text);
          }),
          { seed: SEED, numRuns: RUNS },
        );
      },
      RUNS > 50 ? LONG_RUN_TIMEOUT_MS : undefined,
    );
  });

  it("is still ready and serving afterwards", async () => {
    expect((await fetch(`${deployment.server.baseUrl}/readyz`)).status).toBe(200);
    expect(await deployment.server.client().api.health.check.query()).toEqual({ status: "ok" });
  });
});
