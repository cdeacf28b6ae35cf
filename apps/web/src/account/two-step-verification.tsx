import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { AuthenticatorSetup } from "./authenticator-setup";
import { TurnOffTwoStep } from "./turn-off-two-step";

export function TwoStepVerification() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.auth.mfa.status.queryOptions());
  const changed = () => queryClient.invalidateQueries({ queryKey: trpc.auth.mfa.status.queryKey() });

  return (
    <section aria-labelledby="two-step-title" className="narrow">
      <h2 id="two-step-title">Two-step verification</h2>
      <ErrorMessage error={status.error} />
      {status.data?.enabled === false && (
        <>
          <p>Off: signing in asks for no code.</p>
          <AuthenticatorSetup onEnabled={changed} />
        </>
      )}
      {status.data?.enabled && (
        <>
          <p>
            On: signing in also asks for a code from your authenticator app. Recovery codes left:{" "}
            {status.data.recoveryCodesLeft}.
          </p>
          <TurnOffTwoStep onDisabled={changed} />
        </>
      )}
    </section>
  );
}
