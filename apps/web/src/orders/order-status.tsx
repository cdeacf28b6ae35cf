/** The status as a badge; `data-status` lets styles (and tests) tell the states apart. */
export function OrderStatus({ status }: { status: string }) {
  return (
    <span className="status" data-status={status}>
      {status}
    </span>
  );
}
