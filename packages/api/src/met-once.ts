/**
 * The objects a walk has met, to tell a first meeting from a repeated one. Most walks meet a few,
 * which a short array holds best: a Set allocates its table anew each time it is cleared, which
 * cost a small answer 100 ns. Past a few, a Set takes over.
 */
export class MetOnce<T extends object> {
  private readonly few: T[] = [];
  private readonly many = new Set<T>();

  /** Notes `node` as met; false if it was met already. */
  first(node: T): boolean {
    if (this.many.size > 0) {
      if (this.many.has(node)) return false;
      this.many.add(node);
      return true;
    }
    if (this.few.includes(node)) return false;
    if (this.few.length < FEW) {
      this.few.push(node);
      return true;
    }
    for (const met of this.few) this.many.add(met);
    this.many.add(node);
    return true;
  }

  /** Forgets every object met, for the next walk. */
  forget(): void {
    this.few.length = 0;
    if (this.many.size > 0) this.many.clear();
  }
}

const FEW = 8;
