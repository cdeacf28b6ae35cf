import { isIP } from "node:net";
import { isPublicAddress } from "@seed/platform";
import type { WebhookUrlPolicy } from "./webhook-settings";

/**
 * Why a URL cannot be an endpoint, or null when it can. A literal address inside the network is
 * refused here already; a name is checked again on every connection, on what it resolves to then.
 */
export function webhookUrlProblem(url: string, policy: WebhookUrlPolicy): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "Not a URL";
  }
  const schemes = policy.requireHttps ? ["https:"] : ["https:", "http:"];
  if (!schemes.includes(parsed.protocol)) {
    return `The URL must start with ${schemes.map((scheme) => `${scheme}//`).join(" or ")}`;
  }
  // Credentials in a URL end up in logs and in the admin pages.
  if (parsed.username || parsed.password) return "The URL must not hold a user name or password";
  if (parsed.hash) return "The URL must not have a #fragment";
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!policy.allowPrivateNetworks) {
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      return "The URL points at a private, loopback or link-local address";
    }
    if (host === "localhost" || host.endsWith(".localhost")) return "The URL points at this machine";
  }
  return null;
}
