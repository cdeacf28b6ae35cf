import type { Actor } from "../shared/actor";
import type { Dependencies } from "../dependencies";
import type { Logger } from "@seed/platform";
import { recordSecurityEvent } from "../audit/security-events";

export async function recordFailedSecondFactor(
  deps: Pick<Dependencies, "db"> & { log: Logger },
  countFailure: () => Promise<void>,
  actor: Actor,
  reason: "wrong_code" | "wrong_password",
): Promise<void> {
  await countFailure();
  await recordSecurityEvent(deps, actor, "mfa_failed", { reason });
}
