import type { Actor } from "../../actor";
import type { ApiDependencies } from "../../dependencies";
import type { Logger } from "../../logger";
import { recordSecurityEvent } from "../security-events";

export async function recordFailedSecondFactor(
  deps: Pick<ApiDependencies, "db"> & { log: Logger },
  countFailure: () => Promise<void>,
  actor: Actor,
  reason: "wrong_code" | "wrong_password",
): Promise<void> {
  await countFailure();
  await recordSecurityEvent(deps, actor, "mfa_failed", { reason });
}
