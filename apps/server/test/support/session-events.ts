import type { SessionEvent } from "@seed/core";
import type { Client } from "@seed/client";
import { recordSubscription } from "./live";

export { signedInClient } from "./live";

/** The client's own session events, as they arrive; `started` resolves once the server started it. */
export function subscribeToSessionEvents(client: Client) {
  const recorded = recordSubscription<{ id: string; data: SessionEvent }>((handlers) =>
    client.api.auth.onSessionEvent.subscribe(undefined, handlers),
  );
  return {
    ...recorded,
    started: recorded.starts(1),
    next: async (count: number) => (await recorded.next(count)).map((event) => event.data),
  };
}
