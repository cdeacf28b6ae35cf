import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../api/trpc";
import { signWithPasskey } from "./passkey-ceremony";
import { useFinishSignIn } from "./use-sign-in";

/**
 * Signs in with a passkey: the server's challenge, the authenticator's signature, the session.
 * With the challenge of a password sign-in waiting for its second step, completes that one.
 */
export function usePasskeySignIn(mfaChallenge?: string) {
  const trpc = useTRPC();
  const finish = useFinishSignIn();
  const signInOptions = useMutation(trpc.auth.passkeys.signInOptions.mutationOptions());
  const signIn = useMutation(trpc.auth.passkeys.signIn.mutationOptions());
  return useMutation({
    mutationFn: async () => {
      const options = await signInOptions.mutateAsync(mfaChallenge ? { mfaChallenge } : undefined);
      const response = await signWithPasskey(options);
      await signIn.mutateAsync({ response, ...(mfaChallenge ? { mfaChallenge } : {}) });
    },
    onSuccess: finish,
  });
}
