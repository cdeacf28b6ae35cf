/**
 * Whether a JWT expires within `marginMs`, read from its `exp` claim without verifying it: the
 * client only decides when to refresh, the server decides what it accepts. A token that cannot
 * be read is left for the server to judge (a refusal then leads to a refresh).
 */
export function expiresWithin(token: string, marginMs: number): boolean {
  try {
    const payload = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const { exp } = JSON.parse(atob(payload)) as { exp?: unknown };
    return typeof exp === "number" && exp * 1000 - Date.now() < marginMs;
  } catch {
    return false;
  }
}
