import { z } from "zod";

export const exportStartedSchema = z.object({ exportId: z.string() });

/** An export's state; `rows` and `csv` once it is done. */
export const orderExportSchema = z.object({
  exportId: z.string(),
  status: z.enum(["queued", "running", "done", "failed"]),
  rows: z.number().int().nullable(),
  csv: z.string().nullable(),
});
