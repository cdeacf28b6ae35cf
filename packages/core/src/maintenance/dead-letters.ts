import type { Database } from "@seed/db";
import type { Actor } from "../shared/actor";
import { AppError, type JobQueue } from "@seed/platform";
import { recordAudit } from "../audit/audit";

/** Puts a dead letter back in the queue with fresh attempts, and records who did. */
export async function retryDeadLetter(deps: { db: Database; jobs: JobQueue }, actor: Actor, id: string): Promise<void> {
  if (!(await deps.jobs.retry(id))) throw new AppError("NOT_FOUND", "No failed job has this id");
  await recordAudit(deps.db, actor, { action: "job.retry", resource: "job", resourceId: id });
}
