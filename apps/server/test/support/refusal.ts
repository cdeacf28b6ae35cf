import { TRPCClientError } from "@seed/client";
import { expect } from "vitest";

/** How a call was refused: its tRPC code and message. Fails the test when the call succeeded. */
export async function refusalOf(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  const data = (error as TRPCClientError<never>).data as { code?: string } | undefined;
  return { code: data?.code ?? "none", message: (error as Error).message };
}

/** The tRPC code a call was refused with. */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  return (await refusalOf(call)).code;
}
