export { createClient } from "./create-client";
export type { Client, ClientOptions } from "./create-client";
export { TRPCClientError } from "@trpc/client";
export type { AppRouter, RouterInputs, RouterOutputs } from "@seed/api";
