import type * as Undici from "undici";

/**
 * undici, loaded with the first outbound request (a webhook delivery) rather than at start-up:
 * it held about 3.5 MiB of every server's memory, webhooks used or not.
 */
export function undiciLibrary(): Promise<typeof Undici> {
  return import("undici");
}
