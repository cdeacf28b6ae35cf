import type * as OpenIdClient from "openid-client";

/**
 * openid-client, loaded with the first sign-in through an identity provider rather than at
 * start-up, so that a server with no provider configured, or none used yet, does not hold it.
 */
export function openidClientLibrary(): Promise<typeof OpenIdClient> {
  return import("openid-client");
}
