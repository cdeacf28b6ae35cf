import { TRPCClientError } from "@seed/client";

/** An error the web app itself raises, with a message written for the person using it. */
export class UserFacingError extends Error {
  override name = "UserFacingError";
}

/** The server's messages are written for people, as are the app's own; anything else gets one plain sentence. */
export function messageOf(error: unknown): string {
  return error instanceof TRPCClientError || error instanceof UserFacingError
    ? error.message
    : "Something went wrong. Please try again.";
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {messageOf(error)}
    </p>
  );
}
