import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useSession } from "./use-session";

/** Pages for signed-in users send everyone else to the sign-in page, and back afterwards. */
export function RequireSession({ children, permission }: { children: ReactNode; permission?: string }) {
  const { user, isLoading } = useSession();
  const location = useLocation();
  if (isLoading) return <p aria-busy="true">Loading…</p>;
  if (!user) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (permission && !user.permissions.includes(permission as never)) {
    return <p role="alert">You do not have access to this page.</p>;
  }
  return children;
}
