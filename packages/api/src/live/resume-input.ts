import { z } from "zod";
import { textSchema } from "@seed/core";

/**
 * The input of a resumable subscription. The client sends back the id of the last event it
 * received (tRPC's links do that by themselves on a reconnect); a subscription reading several
 * channels gives ids of the form `<id>.<id>`, one per channel.
 */
export const lastEventIdSchema = textSchema
  .max(256)
  .regex(/^\d{1,15}-\d{1,15}(\.\d{1,15}-\d{1,15}){0,7}$/, "Malformed event id")
  .nullish();

/** The input of a subscription that takes nothing but where to resume. */
export const resumeInput = z.object({ lastEventId: lastEventIdSchema }).optional();
