/**
 * Event ids have the shape of Redis stream ids, `<milliseconds>-<sequence>`, in both bus
 * implementations: they order events within a channel and say when each one was published.
 */
export const EVENT_ID_PATTERN = /^\d{1,15}-\d{1,15}$/;

function partsOf(id: string): [number, number] {
  const dash = id.indexOf("-");
  return [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

export function compareEventIds(a: string, b: string): number {
  const [aTime, aSequence] = partsOf(a);
  const [bTime, bSequence] = partsOf(b);
  return aTime - bTime || aSequence - bSequence;
}

export function publishedAt(id: string): number {
  return partsOf(id)[0];
}

/** Ids for one process: increasing even when the clock stands still or steps back. */
export class EventIdClock {
  private time = Date.now();
  private sequence = 0;

  next(): string {
    const now = Date.now();
    if (now > this.time) {
      this.time = now;
      this.sequence = 0;
    } else {
      this.sequence += 1;
    }
    return this.current();
  }

  current(): string {
    return `${this.time}-${this.sequence}`;
  }
}
