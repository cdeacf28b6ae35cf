import { isLoopbackHostname, type Config } from "@seed/config";
import type { Configuration } from "openid-client";
import { openidClientLibrary } from "./openid-client-library";

/** One configured OpenID Connect provider. */
export interface OidcProvider {
  name: string;
  issuer: string;
  redirectUri: string;
  /**
   * Its client configuration, discovered from the issuer on first use and kept for the life of
   * the process; a failed discovery is not kept, so the next sign-in tries again.
   */
  configuration(): Promise<Configuration>;
}

/** The providers users may sign in with. They come from configuration only, never from a caller. */
export interface OidcProviders {
  names(): string[];
  find(name: string): OidcProvider | undefined;
}

export function createOidcProviders(config: Config["oidc"]): OidcProviders {
  const providers = new Map(
    (config?.providers ?? []).map((settings) => [settings.name, lazilyDiscovered(settings, config!.redirectUri)]),
  );
  return { names: () => [...providers.keys()], find: (name) => providers.get(name) };
}

type ProviderSettings = NonNullable<Config["oidc"]>["providers"][number];

function lazilyDiscovered(settings: ProviderSettings, redirectUri: string): OidcProvider {
  let discovered: Promise<Configuration> | undefined;
  return {
    name: settings.name,
    issuer: settings.issuer,
    redirectUri,
    configuration() {
      discovered ??= discover(settings).catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
      return discovered;
    },
  };
}

async function discover({ issuer, clientId, clientSecret }: ProviderSettings): Promise<Configuration> {
  const oidc = await openidClientLibrary();
  const issuerUrl = new URL(issuer);
  // openid-client speaks https only. Plain http is allowed for a provider on this machine
  // (local development, the tests' provider) and never further: across a network, codes and
  // tokens would travel in clear. The configuration refuses other http issuers already.
  const onThisMachine = issuerUrl.protocol === "http:" && isLoopbackHostname(issuerUrl.hostname);
  // Basic authentication is the one every provider must accept (RFC 6749, section 2.3.1).
  return oidc.discovery(issuerUrl, clientId, undefined, oidc.ClientSecretBasic(clientSecret), {
    execute: onThisMachine ? [oidc.allowInsecureRequests] : [],
  });
}
