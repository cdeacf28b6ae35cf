/**
 * Keyset pagination: a query asks for `limit + 1` rows; the extra row only tells whether another
 * page exists, and the cursor is the key of the last row returned, so pages stay stable while
 * new rows are written.
 */
export function toPage<T, C>(rows: T[], limit: number, cursorOf: (row: T) => C): { items: T[]; nextCursor: C | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? cursorOf(items.at(-1)!) : null };
}
