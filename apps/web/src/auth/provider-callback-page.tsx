import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { PENDING_PROVIDER_KEY } from "./identity-providers";
import { MfaStep } from "./mfa-step";
import { useFinishSignIn } from "./use-sign-in";

/**
 * The page an identity provider sends the browser back to (OIDC_REDIRECT_URI): it hands the
 * provider's answer to the server, which sets the session cookies, then goes on as a sign-in by
 * password does, asking for a code when the account has an authenticator.
 */
export function ProviderCallbackPage() {
  const trpc = useTRPC();
  const finish = useFinishSignIn();
  const [params] = useSearchParams();
  const callback = useMutation(
    trpc.auth.oidc.callback.mutationOptions({
      onSuccess: async (result) => {
        if (result.status === "signed-in") await finish();
      },
    }),
  );
  const sent = useRef(false);
  const provider = sessionStorage.getItem(PENDING_PROVIDER_KEY);
  const code = params.get("code");
  const state = params.get("state");
  const refusal = params.get("error_description") ?? params.get("error");

  useEffect(() => {
    // The provider's code works once: a second render must not spend it again.
    if (sent.current || !provider || !code || !state) return;
    sent.current = true;
    sessionStorage.removeItem(PENDING_PROVIDER_KEY);
    const iss = params.get("iss");
    callback.mutate({ provider, code, state, ...(iss ? { iss } : {}) });
  }, [callback, code, params, provider, state]);

  if (callback.data?.status === "mfa-required") return <MfaStep challenge={callback.data.challenge} />;

  const unfinishable =
    refusal ?? (!sent.current && (!provider || !code || !state) ? "This sign-in was not started here" : null);
  return (
    <section aria-labelledby="provider-sign-in-title" className="narrow">
      <h1 id="provider-sign-in-title">Signing in</h1>
      {unfinishable ? <p role="alert">{unfinishable}</p> : <ErrorMessage error={callback.error} />}
      {(unfinishable || callback.isError) && (
        <p>
          <Link to="/sign-in">Back to sign-in</Link>
        </p>
      )}
    </section>
  );
}
