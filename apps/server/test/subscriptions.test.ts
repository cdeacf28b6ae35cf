import { TRPCClientError } from "@seed/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  availableBackends,
  createDeployment,
  tokensOf,
  uniqueEmail,
  type Deployment,
  type TestServer,
} from "./support/test-server";
import { signedInClient, subscribeToSessionEvents } from "./support/session-events";

describe.each(availableBackends())("session events over WebSocket on %s", (backend) => {
  let deployment: Deployment;
  let server: TestServer;

  beforeAll(async () => {
    deployment = await createDeployment(backend);
    server = await deployment.start();
  });
  afterAll(() => deployment?.destroy());

  it("tells a signed-in user about a sign-in and a sign-out elsewhere", async () => {
    const email = uniqueEmail("watcher");
    const { client } = await signedInClient(server, email);
    const events = subscribeToSessionEvents(client);
    await events.started;

    const elsewhere = tokensOf(await server.client().api.auth.login.mutate({ email, password: "a long passphrase" }));
    await server.client().api.auth.logout.mutate({ refreshToken: elsewhere.refreshToken });

    const [created, revoked] = await events.next(2);
    expect(created).toMatchObject({ type: "session.created", sessionId: elsewhere.sessionId });
    expect(revoked).toMatchObject({ type: "session.revoked", sessionId: elsewhere.sessionId });
    expect(created!.at).toBeInstanceOf(Date);
    events.stop();
  });

  it("does not tell one user about another user's sessions", async () => {
    const { client: alice } = await signedInClient(server, uniqueEmail("alice"));
    const aliceEvents = subscribeToSessionEvents(alice);
    await aliceEvents.started;
    const bobEmail = uniqueEmail("bob");
    await signedInClient(server, bobEmail);
    // Alice's own next sign-in is the first thing she hears about.
    const aliceEmail = (await alice.api.auth.me.query()).email;
    const own = tokensOf(
      await server.client().api.auth.login.mutate({ email: aliceEmail, password: "a long passphrase" }),
    );
    const [first] = await aliceEvents.next(1);
    expect(first!.sessionId).toBe(own.sessionId);
    aliceEvents.stop();
  });

  it("refuses an anonymous subscriber with UNAUTHORIZED", async () => {
    const events = subscribeToSessionEvents(server.client());
    const error = await events.failed;
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe.skipIf(!availableBackends().includes("postgres+redis"))("session events across instances", () => {
  let deployment: Deployment;
  let instanceA: TestServer;
  let instanceB: TestServer;

  beforeAll(async () => {
    deployment = await createDeployment("postgres+redis");
    [instanceA, instanceB] = await Promise.all([deployment.start(), deployment.start()]);
  });
  afterAll(() => deployment?.destroy());

  it("delivers to a subscriber on instance A the sign-in made on instance B", async () => {
    const email = uniqueEmail("multi");
    const { client } = await signedInClient(instanceA, email);
    const events = subscribeToSessionEvents(client);
    await events.started;

    const onB = tokensOf(await instanceB.client().api.auth.login.mutate({ email, password: "a long passphrase" }));
    const [event] = await events.next(1);
    expect(event).toMatchObject({ type: "session.created", sessionId: onB.sessionId });
    events.stop();
  });
});
