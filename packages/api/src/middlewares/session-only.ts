import { isSessionPrincipal } from "@seed/core";
import { t } from "../init";
import { refuseApiKey } from "./api-keys";

/**
 * Lets through a person signed in, refusing an API key, with `ctx.user.sessionId` the session
 * they signed in with.
 */
export const sessionOnly = t.middleware(async ({ ctx, path, next }) => {
  const user = ctx.user;
  if (!user || !isSessionPrincipal(user)) return refuseApiKey(ctx, path);
  // Narrows the type without copying the context, as signedIn does.
  return next() as ReturnType<typeof next<{ user: typeof user }>>;
});
