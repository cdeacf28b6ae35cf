import { TRPCClientError } from "@seed/client";
import { describe, expect, it } from "vitest";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";
import { signedInClient, subscribeToSessionEvents } from "./support/session-events";

describe.each(availableBackends())("session events over WebSocket on %s", (backend) => {
  const deployment = useDeployment(backend);

  it("tells a signed-in user about a sign-in and a sign-out elsewhere", async () => {
    const email = uniqueEmail("watcher");
    const { client } = await signedInClient(deployment.server, email);
    const events = subscribeToSessionEvents(client);
    await events.started;

    const elsewhere = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email, password: "a long passphrase" }),
    );
    await deployment.server.client().api.auth.logout.mutate({ refreshToken: elsewhere.refreshToken });

    const [created, revoked] = await events.next(2);
    expect(created).toMatchObject({ type: "session.created", sessionId: elsewhere.sessionId });
    expect(revoked).toMatchObject({ type: "session.revoked", sessionId: elsewhere.sessionId });
    expect(created!.at).toBeInstanceOf(Date);
    events.stop();
  });

  it("does not tell one user about another user's sessions", async () => {
    const { client: alice } = await signedInClient(deployment.server, uniqueEmail("alice"));
    const aliceEvents = subscribeToSessionEvents(alice);
    await aliceEvents.started;
    const bobEmail = uniqueEmail("bob");
    await signedInClient(deployment.server, bobEmail);
    // Alice's own next sign-in is the first thing she hears about.
    const aliceEmail = (await alice.api.auth.me.query()).email;
    const own = tokensOf(
      await deployment.server.client().api.auth.login.mutate({ email: aliceEmail, password: "a long passphrase" }),
    );
    const [first] = await aliceEvents.next(1);
    expect(first!.sessionId).toBe(own.sessionId);
    aliceEvents.stop();
  });

  it("refuses an anonymous subscriber with UNAUTHORIZED", async () => {
    const events = subscribeToSessionEvents(deployment.server.client());
    const error = await events.failed;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe.skipIf(!availableBackends().includes("postgres+redis"))("session events across instances", () => {
  const deployment = useDeployment("postgres+redis", { instances: ["instanceA", "instanceB"] });

  it("delivers to a subscriber on instance A the sign-in made on instance B", async () => {
    const email = uniqueEmail("multi");
    const { client } = await signedInClient(deployment.instanceA, email);
    const events = subscribeToSessionEvents(client);
    await events.started;

    const onB = tokensOf(
      await deployment.instanceB.client().api.auth.login.mutate({ email, password: "a long passphrase" }),
    );
    const [event] = await events.next(1);
    expect(event).toMatchObject({ type: "session.created", sessionId: onB.sessionId });
    events.stop();
  });
});
