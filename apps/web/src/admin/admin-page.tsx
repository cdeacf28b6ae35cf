import { AuditTrail } from "./audit-trail";
import { RoleCatalog } from "./role-catalog";
import { UserDirectory } from "./user-directory";

export function AdminPage() {
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <UserDirectory />
      <RoleCatalog />
      <AuditTrail />
    </section>
  );
}
