import type { Command } from "../command";
import { cleanUpCommand } from "./clean-up";
import { createAdminCommand } from "./create-admin";
import { dumpCommand } from "./dump";
import { migrateCommand } from "./migrate";
import { revokeSessionsCommand } from "./revoke-sessions";
import { rotateKeysCommand } from "./rotate-keys";
import { sealAuditCommand } from "./seal-audit";
import { seedCommand } from "./seed";
import { sqlShellCommand } from "./sql-shell";
import {
  deleteUserCommand,
  disableUserCommand,
  enableUserCommand,
  inviteUserCommand,
  reinviteUserCommand,
  resetMfaCommand,
} from "./user-management";
import { verifyAuditCommand } from "./verify-audit";

/** Every command of `pnpm cli`, by name. A new command is one file and one line here. */
export const commands: Record<string, Command> = {
  migrate: migrateCommand,
  seed: seedCommand,
  "create-admin": createAdminCommand,
  "revoke-sessions": revokeSessionsCommand,
  invite: inviteUserCommand,
  reinvite: reinviteUserCommand,
  disable: disableUserCommand,
  enable: enableUserCommand,
  delete: deleteUserCommand,
  "reset-mfa": resetMfaCommand,
  "rotate-keys": rotateKeysCommand,
  "clean-up": cleanUpCommand,
  "seal-audit": sealAuditCommand,
  "verify-audit": verifyAuditCommand,
  dump: dumpCommand,
  sql: sqlShellCommand,
};
