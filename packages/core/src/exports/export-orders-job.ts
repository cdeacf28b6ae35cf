import { z } from "zod";
import { ordersCsv } from "../orders/order-csv";
import { defineJob } from "../jobs/job-definition";

/** A CSV of one user's orders, kept as the job's result until the user downloads it. */
export const exportOrdersJob = defineJob({
  payload: z.object({ userId: z.uuid() }),
  run: ({ db }, { userId }) => ordersCsv(db, userId),
});
