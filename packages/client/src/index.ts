export { createClient, createLinks } from "./create-client";
export type { Client, ClientLinks, ClientOptions } from "./create-client";
export { TRPCClientError } from "@trpc/client";
export type { AppRouter, RouterInputs, RouterOutputs } from "@seed/api";
