import type { BrowserContext } from "playwright-core";

export interface CspViolation {
  directive: string;
  blocked: string;
  page: string;
}

/** Hands `report` what the browser refuses under the Content-Security-Policy, on any page of `context`. */
export async function reportCspViolations(
  context: BrowserContext,
  report: (violation: CspViolation) => void,
): Promise<void> {
  await context.exposeBinding("reportCspViolation", (_source, violation: CspViolation) => report(violation));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const reportToTest = (window as unknown as { reportCspViolation(violation: CspViolation): void })
        .reportCspViolation;
      reportToTest({ directive: event.effectiveDirective, blocked: event.blockedURI, page: event.documentURI });
    });
  });
}
