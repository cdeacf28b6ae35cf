import { useMutation, useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";

/**
 * Where the provider's name waits while the browser is away at the provider: the page it comes
 * back to (OIDC_REDIRECT_URI has no query of ours) reads it to finish the sign-in.
 */
export const PENDING_PROVIDER_KEY = "seed.oidc.provider";

/** A button per configured identity provider; nothing when none is configured. */
export function IdentityProviders() {
  const trpc = useTRPC();
  const providers = useQuery(trpc.auth.oidc.providers.queryOptions());
  const start = useMutation(
    trpc.auth.oidc.start.mutationOptions({
      onSuccess: ({ authorizationUrl }, { provider }) => {
        sessionStorage.setItem(PENDING_PROVIDER_KEY, provider);
        window.location.assign(authorizationUrl);
      },
    }),
  );
  if (!providers.data?.length) return null;
  return (
    <div className="identity-providers" role="group" aria-label="Sign in with an identity provider">
      {providers.data.map((provider) => (
        <button key={provider} type="button" disabled={start.isPending} onClick={() => start.mutate({ provider })}>
          Sign in with {provider}
        </button>
      ))}
      <ErrorMessage error={start.error} />
    </div>
  );
}
