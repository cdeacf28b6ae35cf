import { useSession } from "../session/use-session";
import { ApiKeyDirectory } from "./api-key-directory";
import { AuditTrail } from "./audit-trail";
import { RoleCatalog } from "./role-catalog";
import { UserDirectory } from "./user-directory";

export function AdminPage() {
  const { user } = useSession();
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <UserDirectory />
      <RoleCatalog />
      <AuditTrail />
      {user?.permissions.includes("api_key:read:any") && <ApiKeyDirectory />}
    </section>
  );
}
