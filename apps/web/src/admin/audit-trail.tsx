import { useInfiniteQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { LoadMoreButton } from "../layout/load-more-button";
import { AuditChainStatus } from "./audit-chain-status";

export function AuditTrail() {
  const trpc = useTRPC();
  const audit = useInfiniteQuery(
    trpc.admin.audit.list.infiniteQueryOptions(
      { limit: 25 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const entries = audit.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <AuditChainStatus />
      <ErrorMessage error={audit.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Actor</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>{entry.at.toLocaleString()}</td>
              <td>{entry.action}</td>
              <td>
                {entry.resource} {entry.resourceId?.slice(0, 8)}
              </td>
              <td>{entry.actorId?.slice(0, 8) ?? "system"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadMoreButton pages={audit} label="Older entries" />
    </section>
  );
}
