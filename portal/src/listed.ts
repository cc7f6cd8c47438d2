/**
 * The ledger's paged lists (docs/api.md, "Lists": `{ items, bookmark }`) read whole for a view, and
 * read again when an event that changes them arrives on the page's live stream.
 */
import type { LedgerEvent } from './api/events';

export interface Listed<T> {
  items: T[];
  /** True when `maxPages` pages were read and the ledger had more. */
  more: boolean;
}

/** Every page of a list, from the first, until the bookmark is empty or `maxPages` were read. */
export async function allPages<T>(
  page: (bookmark: string) => Promise<{ items: T[]; bookmark: string }>,
  maxPages = 20,
): Promise<Listed<T>> {
  const items: T[] = [];
  let bookmark = '';
  for (let k = 0; k < maxPages; k++) {
    const p = await page(bookmark);
    items.push(...p.items);
    if (p.bookmark === '' || p.items.length === 0) return { items, more: false };
    bookmark = p.bookmark;
  }
  return { items, more: true };
}

/**
 * The newest of `events` whose name `names` matches (about `communityId` when given): its txId, '' for
 * none. A read that depends on it is read again when such an event arrives (a count would stop growing
 * once the page keeps only its latest events).
 */
export function newestOf(events: readonly LedgerEvent[], names: RegExp, communityId?: string): string {
  for (let k = events.length - 1; k >= 0; k--) {
    const e = events[k];
    if (names.test(e.name) && (communityId === undefined || e.payload.communityId === communityId)) return e.txId;
  }
  return '';
}
