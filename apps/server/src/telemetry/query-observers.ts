import type { QueryObserver } from "@seed/db";

/** One observer that tells each of `observers`, skipping those not configured. */
export function combineQueryObservers(...observers: (QueryObserver | undefined)[]): QueryObserver {
  const present = observers.filter((observer): observer is QueryObserver => observer !== undefined);
  return {
    queryStarted(sql) {
      const settled = present.map((observer) => observer.queryStarted(sql));
      return (error) => settled.forEach((done) => done(error));
    },
  };
}
