import { mailOutbox, type Database } from "@seed/db";
import type { EventBus } from "../event-bus/event-bus";
import type { Logger } from "../logging/logger";
import type { Mailer } from "./mailer";

/** Told, once a message waits in the outbox, so that the mail dispatcher queues it at once. */
export const mailRecordedChannel = "mail:recorded";

/**
 * With SMTP: writes each message to the outbox as pending, in the caller's transaction when there
 * is one, and nudges the mail dispatcher once it has committed; the dispatcher queues its
 * delivery. A nudge that fails is logged, not thrown: the message is stored, and the dispatcher's
 * schedule finds it. A decoy costs the request what a message does: written (its text replaced by
 * as many spaces, so that no link it may hold is stored) and nudged; the dispatcher deletes it.
 */
export function createQueuedMailer(db: Database, events: Pick<EventBus, "publish">, log: Logger): Mailer {
  return {
    async send({ decoy, ...message }, within) {
      const text = decoy ? " ".repeat(message.text.length) : message.text;
      await (within?.tx ?? db).insert(mailOutbox).values({ ...message, text, pending: true, decoy: decoy ?? false });
      if (within) within.emit(mailRecordedChannel, {});
      else {
        await events.publish(mailRecordedChannel, {}).catch((error: unknown) => {
          log.error({ err: error }, "could not nudge the mail dispatcher");
        });
      }
    },
  };
}
