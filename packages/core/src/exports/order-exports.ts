import type { JobQueue } from "@seed/platform";

export interface OrderExport {
  exportId: string;
  ownerId: string;
  status: "queued" | "running" | "done" | "failed";
  /** Orders in the file, once it is ready. */
  rows: number | null;
  csv: string | null;
}

/** Queues a CSV export of the user's orders; the user fetches it by the id returned. */
export async function startOrderExport(jobs: JobQueue, userId: string): Promise<{ exportId: string }> {
  return { exportId: await jobs.enqueue("exports.orders", { userId }) };
}

/** An export by id, with its file once ready; null when there is none (or it was forgotten). */
export async function findOrderExport(jobs: JobQueue, exportId: string): Promise<OrderExport | null> {
  const job = await jobs.find(exportId);
  if (!job || job.name !== "exports.orders") return null;
  const result = job.state === "done" ? (job.result as { csv: string; rows: number }) : null;
  return {
    exportId,
    ownerId: (job.payload as { userId: string }).userId,
    status: job.state,
    rows: result?.rows ?? null,
    csv: result?.csv ?? null,
  };
}
