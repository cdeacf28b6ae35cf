import type { RouterOutputs } from "@seed/client";
import { useQuery } from "@tanstack/react-query";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";

type AuditChainReport = RouterOutputs["admin"]["audit"]["verifyChain"];

/** Verifies the audit trail's hash chain when asked: it reads the whole trail, so it is not run on every visit. */
export function AuditChainStatus() {
  const trpc = useTRPC();
  const verification = useQuery(trpc.admin.audit.verifyChain.queryOptions({}, { enabled: false, staleTime: Infinity }));

  return (
    <div className="audit-chain" aria-live="polite">
      <button type="button" onClick={() => void verification.refetch()} disabled={verification.isFetching}>
        {verification.isFetching ? "Verifying…" : "Verify the hash chain"}
      </button>
      <ErrorMessage error={verification.error} />
      {verification.data && <ChainVerdict report={verification.data} />}
    </div>
  );
}

function ChainVerdict({ report }: { report: AuditChainReport }) {
  const { head, firstBreak } = report;
  const sound =
    report.sealsVerified > 0
      ? `Seals 1 to ${report.sealsVerified} are sound: audit rows 1 to ${report.verifiedThroughRowId}.`
      : null;
  if (firstBreak) {
    return (
      <>
        <p role="alert" className="error">
          Broken{firstBreak.rowId === null ? "" : ` from audit row ${firstBreak.rowId} on`}: {firstBreak.message}
        </p>
        {sound && <p className="muted">{sound}</p>}
      </>
    );
  }
  return (
    <>
      <p className="chain-verdict">Intact. {sound}</p>
      {head.hash ? (
        <p className="muted">
          Head: seal {head.sequence}, <code className="seal-hash">{head.hash}</code>
          {head.sealedAt && `, sealed ${head.sealedAt.toLocaleString()}`}
        </p>
      ) : (
        <p className="muted">No seal yet.</p>
      )}
      {head.unsealedRows > 0 && (
        <p className="muted">
          {head.unsealedRows} newer audit row{head.unsealedRows === 1 ? " is" : "s are"} not sealed yet.
        </p>
      )}
    </>
  );
}
