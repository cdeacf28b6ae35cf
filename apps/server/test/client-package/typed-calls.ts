/*
 * Type-checked with tsc against the published @seed/client, and with the workspace's own: the
 * router's types reach a client's author whole, inputs and outputs alike.
 */
import { createClient, type RouterInputs, type RouterOutputs } from "@seed/client";

const { api } = createClient({ url: "http://localhost:3000/trpc", wsUrl: "ws://localhost:3000/trpc" });

export const signIn = (input: RouterInputs["auth"]["login"]) => api.auth.login.mutate(input);
export const accountCreatedAt: Promise<Date> = api.auth.me.query().then((me) => me.createdAt);
export const roles: Promise<RouterOutputs["auth"]["me"]["roles"]> = api.auth.me.query().then((me) => me.roles);

export function followOrder(orderId: string): () => void {
  const subscription = api.orders.onStatusChange.subscribe(
    { orderId },
    {
      onData: ({ data }) =>
        console.error(data.to satisfies RouterOutputs["orders"]["get"]["status"], data.at.getTime()),
    },
  );
  return () => subscription.unsubscribe();
}

export function mistakes(): void {
  // @ts-expect-error the password is a string
  void api.auth.login.mutate({ email: "ada@example.com", password: 12345678 });
  // @ts-expect-error the email is required
  void api.auth.register.mutate({ password: "a long passphrase" });
  // @ts-expect-error there is no auth.logon
  void api.auth.logon.mutate({ email: "ada@example.com", password: "x" });
  // @ts-expect-error me is a query, not a mutation
  void api.auth.me.mutate();
  // @ts-expect-error an order's total is money, not a number
  void api.orders.get.query({ orderId: "x" }).then((order): number => order.total);
}
