import { mailOutbox, type Database } from "@seed/db";
import { and, asc, eq, gt, isNull, lte, or, sql } from "drizzle-orm";
import { mailRecordedChannel, type EventBus, type JobQueue, type Logger, type MailSender } from "@seed/platform";
import { runOnNudges } from "../shared/nudged-runs";

/** Rows taken per transaction, so that a long backlog never holds its locks for long. */
const BATCH_SIZE = 100;

/**
 * How long a queued delivery waits before the schedule asks the queue whether it still has its
 * job: a queue that lost its jobs while this instance ran (Redis restarted without persistence).
 * A dispatcher that starts asks about every one at once: an in-process queue starts empty.
 */
const RECHECKED_AFTER_SECONDS = 600;

interface DispatchDeps {
  db: Database;
  jobs: JobQueue;
  mailSender: MailSender | null;
}

interface Batch {
  queued: number;
  /** The id of the last row looked at; null once there was none left. */
  last: number | null;
  /** What made the queue fail, after the rows before it were recorded. */
  failure?: unknown;
}

/**
 * Queues the delivery of every pending message of the outbox: those never queued, and those whose
 * job the queue no longer has, once queued `recheckedAfterSeconds` ago or more. Deletes the
 * decoys. Rows are locked with SKIP LOCKED, so instances dispatching at once share the work. A
 * crash between queuing a job and recording it queues it again: the second job skips a message
 * the first has sent, and sends it again if both run at once (mail goes at least once). Without
 * an SMTP server there is nothing to send with, and nothing is queued. Resolves with how many
 * deliveries it queued.
 */
export async function dispatchMail(
  deps: DispatchDeps,
  recheckedAfterSeconds = RECHECKED_AFTER_SECONDS,
): Promise<number> {
  if (!deps.mailSender) return 0;
  await deps.db.delete(mailOutbox).where(and(eq(mailOutbox.pending, true), eq(mailOutbox.decoy, true)));
  let queued = 0;
  // In id order, each batch after the last, so that a row is looked at once per dispatch.
  for (let after = 0; ;) {
    const batch = await queueBatch(deps, after, recheckedAfterSeconds);
    queued += batch.queued;
    if (batch.failure !== undefined) throw batch.failure;
    if (batch.last === null) return queued;
    after = batch.last;
  }
}

async function queueBatch(deps: DispatchDeps, after: number, recheckedAfterSeconds: number): Promise<Batch> {
  return deps.db.transaction(async (tx) => {
    const waiting = await tx
      .select({ id: mailOutbox.id, to: mailOutbox.to, subject: mailOutbox.subject, jobId: mailOutbox.jobId })
      .from(mailOutbox)
      .where(
        and(
          eq(mailOutbox.pending, true),
          eq(mailOutbox.decoy, false),
          gt(mailOutbox.id, after),
          or(
            isNull(mailOutbox.queuedAt),
            lte(mailOutbox.queuedAt, sql`now() - make_interval(secs => ${recheckedAfterSeconds})`),
          ),
        ),
      )
      .orderBy(asc(mailOutbox.id))
      .limit(BATCH_SIZE)
      .for("update", { skipLocked: true });
    let queued = 0;
    for (const mail of waiting) {
      let jobId: string | null;
      try {
        jobId = (await queuedStill(deps.jobs, mail))
          ? mail.jobId
          : await deps.jobs.enqueue("mail.send", { mailId: mail.id, to: mail.to, subject: mail.subject });
      } catch (failure) {
        // The queue failed (Redis away): the rows queued so far are recorded, not rolled back
        // with this one, which would queue their messages a second time at the next dispatch.
        return { queued, last: null, failure };
      }
      if (jobId !== mail.jobId) queued += 1;
      // A row found still queued is asked about again only after another wait.
      await tx
        .update(mailOutbox)
        .set({ queuedAt: sql`now()`, jobId })
        .where(eq(mailOutbox.id, mail.id));
    }
    return { queued, last: waiting.at(-1)?.id ?? null };
  });
}

/** Whether the queue still holds this message's job: waiting, running, or a dead letter. */
async function queuedStill(jobs: JobQueue, mail: { id: number; jobId: string | null }): Promise<boolean> {
  if (mail.jobId === null) return false;
  const job = await jobs.find(mail.jobId);
  // BullMQ numbers its jobs from 1 again in a Redis that lost its data: the id must still be this one's.
  return job?.name === "mail.send" && (job.payload as { mailId?: unknown }).mailId === mail.id;
}

/**
 * Dispatches whenever a message is written to the outbox, on every instance that runs jobs, and
 * once now for what was written while none was running, asking the queue about every delivery
 * queued before. Resolves with how to stop, which waits for a dispatch under way.
 */
export function startMailDispatcher(
  deps: DispatchDeps & { events: EventBus; log: Logger },
): Promise<() => Promise<void>> {
  let firstRun = true;
  return runOnNudges(
    deps,
    mailRecordedChannel,
    async () => {
      await dispatchMail(deps, firstRun ? 0 : RECHECKED_AFTER_SECONDS);
      firstRun = false;
    },
    "mail dispatch failed",
  );
}
