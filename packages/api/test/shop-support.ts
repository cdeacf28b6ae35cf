import { randomUUID } from "node:crypto";
import {
  createAccount,
  type Permission,
  type Principal,
  type RoleName,
  systemActor,
  transactionWithEvents,
} from "@seed/core";
import type { EventBus } from "@seed/platform";
import { createCaller } from "../src/root";
import { permissionsFor, type createTestApi } from "./support";

export type TestApi = Awaited<ReturnType<typeof createTestApi>>;

export const PASSWORD = "a long passphrase";

/** A real account with `roles`, and a caller of the router acting as it. */
export async function member(api: TestApi, roles: RoleName[], grants: Permission[] = []) {
  const email = `${roles.join("-") || "nobody"}-${randomUUID()}@example.com`;
  const user = await transactionWithEvents(api.deps, (tx, emit) =>
    createAccount(tx, emit, systemActor, { email, password: PASSWORD, roles }),
  );
  const principal: Principal = {
    ...user,
    sessionId: randomUUID(),
    apiKey: null,
    roles,
    permissions: permissionsFor(roles, grants),
  };
  return { ...user, principal, api: createCaller(api.contextFor(principal)) };
}

export function productInput(overrides: Partial<ReturnType<typeof baseProduct>> = {}) {
  return { ...baseProduct(), ...overrides };
}

function baseProduct() {
  return {
    sku: `sku-${randomUUID()}`,
    name: "Desk lamp",
    description: "A lamp with a warm light",
    category: "lighting",
    price: { amount: 2500, currency: "EUR" },
    stock: 10,
  };
}

/**
 * Everything published on `channel` from now on, in order. `settle()` publishes a marker and waits
 * for it, so that every event published before it has arrived, and nothing after it is counted.
 */
export async function recordEvents<T>(events: EventBus, channel: string) {
  const controller = new AbortController();
  const received: T[] = [];
  const marker = { type: "marker", id: randomUUID() };
  const stream = await events.subscribe<T | typeof marker>(channel, controller.signal);
  let markerSeen!: () => void;
  const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
  void (async () => {
    for await (const { payload } of stream) {
      if ((payload as typeof marker).id === marker.id) markerSeen();
      else received.push(payload as T);
    }
  })();
  return {
    async settle(): Promise<T[]> {
      await events.publish(channel, marker);
      await markerArrived;
      controller.abort();
      return received;
    },
  };
}
