/**
 * Units and time as the architecture fixes them: energy in integer Wh, money in integer
 * micro-units, instants as UTC ISO 8601 with `Z`, interval lengths as ISO 8601 durations.
 * Everything here is integer arithmetic on seconds since the Unix epoch; nothing reads a clock.
 */

/** Seconds in a (UTC) day: intervals divide it, contracts and estimates count in it. */
export const DAY_SECONDS = 86_400;

/** A non-negative integer that survives a JSON round trip exactly (Wh, micro-units, counters). */
export function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * The instants parseInstant accepts, as one regular expression for schemas (the gateway's OpenAPI
 * document): years 0100 to 9999 (Date.UTC reads 0 to 99 as 1900 to 1999), real calendar days
 * with 29 February in leap years only, hours 00 to 23, no leap second. ASCII digits only.
 */
const YEAR = '(?:0[1-9]|[1-9][0-9])[0-9]{2}';
const MONTH_DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
const MULTIPLE_OF_4 = '(?:0[48]|[2468][048]|[13579][26])';
const LEAP_YEAR = `(?:(?:0[1-9]|[1-9][0-9])${MULTIPLE_OF_4}|${MULTIPLE_OF_4}00)`;
export const INSTANT_PATTERN = `^(?:${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$`;

const INSTANT_EXACT = new RegExp(INSTANT_PATTERN);

/** Whether parseInstant accepts `text`, by INSTANT_PATTERN alone: a fraction of the parse's cost. */
export function isInstant(text: string): boolean {
  return INSTANT_EXACT.test(text);
}

/**
 * Parses a whole-second UTC instant such as `2026-11-21T10:15:00Z` into epoch seconds, or returns
 * undefined. Only this one spelling is accepted, so that an instant has exactly one text form and
 * signed bytes and ledger keys cannot differ for the same moment.
 */
export function parseInstant(text: string): number | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over into March; the round trip rejects such dates.
  if (!Number.isFinite(ms) || formatInstant(ms / 1000) !== text) return undefined;
  return ms / 1000;
}

/** Formats epoch seconds as the one accepted instant spelling. */
export function formatInstant(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

const DURATION = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/;

/** Parses a time-only ISO 8601 duration (`PT15M`, `PT1H`, `PT30S`) into seconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === 'PT') return undefined;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}

/** Intervals are aligned to the epoch, so a 15-minute interval starts at :00, :15, :30 or :45 UTC. */
export function isIntervalStart(epochSeconds: number, intervalSeconds: number): boolean {
  return epochSeconds % intervalSeconds === 0;
}
