import type { TRPCRouterRecord } from "@trpc/server";
import { adminApiKeysRouter } from "./api-keys";
import { adminAuditRouter } from "./audit";
import { adminJobsRouter } from "./jobs";
import { adminPermissionsRouter } from "./permissions";
import { adminRolesRouter } from "./roles";
import { adminSecurityEventsRouter } from "./security-events";
import { adminUsersRouter } from "./users";
import { adminWebhooksRouter } from "./webhooks";

export const adminRouter = {
  users: adminUsersRouter,
  roles: adminRolesRouter,
  permissions: adminPermissionsRouter,
  audit: adminAuditRouter,
  securityEvents: adminSecurityEventsRouter,
  jobs: adminJobsRouter,
  apiKeys: adminApiKeysRouter,
  webhooks: adminWebhooksRouter,
} satisfies TRPCRouterRecord;
