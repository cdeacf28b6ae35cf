import { Link, NavLink, Outlet } from "react-router";
import { useForgetEndedSession } from "../session/use-forget-ended-session";
import { useSession } from "../session/use-session";
import { useSignOut } from "../session/use-sign-out";

export function AppLayout() {
  const { user } = useSession();
  useForgetEndedSession(user?.id ?? null);
  const signOut = useSignOut();
  return (
    <>
      <header className="top-bar">
        <Link to="/" className="brand">
          Seed shop
        </Link>
        <nav aria-label="Main">
          <NavLink to="/products">Products</NavLink>
          {user && <NavLink to="/orders">My orders</NavLink>}
          {user?.permissions.includes("user:read:any") && (
            <NavLink to="/admin" end>
              Admin
            </NavLink>
          )}
          {user?.permissions.includes("webhook:manage") && <NavLink to="/admin/webhooks">Webhooks</NavLink>}
        </nav>
        <div className="account">
          {user ? (
            <>
              <NavLink to="/account" title="Account security">
                {user.email}
              </NavLink>
              <button type="button" onClick={() => signOut.mutate(undefined)}>
                Sign out
              </button>
            </>
          ) : (
            <>
              <NavLink to="/sign-in">Sign in</NavLink>
              <NavLink to="/sign-up">Sign up</NavLink>
            </>
          )}
        </div>
      </header>
      <main>
        <Outlet />
      </main>
    </>
  );
}
