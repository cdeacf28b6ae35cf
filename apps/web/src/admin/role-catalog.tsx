import { useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";

export function RoleCatalog() {
  const trpc = useTRPC();
  const roles = useQuery(trpc.admin.roles.list.queryOptions());
  return (
    <section aria-labelledby="roles-title">
      <h2 id="roles-title">Roles</h2>
      <ErrorMessage error={roles.error} />
      <dl>
        {roles.data?.map((role) => (
          <div key={role.name}>
            <dt>{role.name}</dt>
            <dd>
              {role.description} <span className="muted">({role.permissions.length} permissions)</span>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
