import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";

/** A user's roles as toggles; the server decides who may give which role. */
export function UserRoles({ userId, email, roles }: { userId: string; email: string; roles: string[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.admin.roles.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
  const assign = useMutation(trpc.admin.roles.assign.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.admin.roles.remove.mutationOptions({ onSuccess: refresh }));

  return (
    <fieldset className="roles">
      <legend className="visually-hidden">Roles of {email}</legend>
      {catalog.data?.map(({ name, description }) => (
        <label key={name} title={description}>
          <input
            type="checkbox"
            checked={roles.includes(name)}
            disabled={assign.isPending || remove.isPending}
            onChange={(e) => (e.target.checked ? assign : remove).mutate({ userId, role: name })}
          />{" "}
          {name}
        </label>
      ))}
      <ErrorMessage error={assign.error ?? remove.error} />
    </fieldset>
  );
}
