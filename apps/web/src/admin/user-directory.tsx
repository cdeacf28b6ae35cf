import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";
import { TextField } from "../layout/text-field";
import { useSession } from "../session/use-session";
import { UserActions } from "./user-actions";
import { UserInvitation } from "./user-invitation";
import { UserRoles } from "./user-roles";

export function UserDirectory() {
  const trpc = useTRPC();
  const { user: me } = useSession();
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState<string | undefined>();
  const users = useInfiniteQuery(
    trpc.admin.users.list.infiniteQueryOptions(
      { search, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(draft.trim() || undefined);
  };

  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {me?.permissions.includes("user:create") && <UserInvitation />}
      <form role="search" className="filters" onSubmit={submit}>
        <TextField label="Find users" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Find</button>
      </form>
      <ErrorMessage error={users.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Roles</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((user) => (
            <tr key={user.id}>
              <td>{user.email}</td>
              <td>
                <UserRoles userId={user.id} email={user.email} roles={user.roles} />
              </td>
              <td>{user.disabledAt ? "Disabled" : user.invitationPending ? "Invited" : "Active"}</td>
              <td>
                <UserActions user={user} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreButton pages={users} label="More users" />
    </section>
  );
}
