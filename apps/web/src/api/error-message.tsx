import { TRPCClientError } from "@seed/client";

/** The server's messages are written for people; anything else gets one plain sentence. */
export function messageOf(error: unknown): string {
  return error instanceof TRPCClientError ? error.message : "Something went wrong. Please try again.";
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {messageOf(error)}
    </p>
  );
}
