/** Instants as the user reads them: in the browser's time zone, with the UTC instant for the hover title. */

/** "14:15" (or the locale's form) in the user's zone. */
export const localTime = (instant: string, locale?: string): string =>
  new Date(instant).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });

/** Date and time in the user's zone. */
export const localDateTime = (instant: string, locale?: string): string =>
  new Date(instant).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' });

/** The interval in UTC, for a title: "2026-12-06T14:15:00Z – 14:30:00Z UTC". */
export function utcInterval(start: string, seconds: number): string {
  const end = new Date(Date.parse(start) + seconds * 1000).toISOString().replace('.000Z', 'Z');
  return `${start} – ${end.slice(11)} UTC`;
}

/** The ledger's instant spelling (whole seconds, UTC, Z) of epoch seconds. */
export const instantOf = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** Start of the user's local day, as epoch seconds. */
export function localMidnight(now = new Date()): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return Math.floor(d.getTime() / 1000);
}
