import { z } from "zod";
import { deleteExpiredRecords } from "./expired-records";
import { defineJob } from "../jobs/job-definition";

/** The nightly clean-up of expired sessions, tokens and temporary grants. */
export const cleanUpExpiredJob = defineJob({
  payload: z.object({}),
  async run({ db, log }) {
    const deleted = await deleteExpiredRecords(db);
    log.info({ deleted }, "expired records deleted");
  },
});
