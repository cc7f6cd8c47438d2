/**
 * Archives the readings of hours whose horizons have all passed, oldest first, as the Community
 * operator (docs/bounded-state.md). Off unless GRIDLEDGER_ARCHIVE_SCHEDULER=on. Each tick reads
 * the metering parameters, takes the due hours of the lookback that it has not seen finished
 * (dueHours, the pure part), asks each one's archive record and archives those not done, page
 * after page (routes/reading-archive.ts archiveHourPages). An hour without readings gets an empty,
 * finished record: the ledger then says it was looked at. Idempotent and safe with a second
 * scheduler or an operator doing the same: a finished hour is answered as it is, and two pages at
 * once conflict on the hour's record, one being retried on the next tick.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { formatInstant, hourArchivable } from '@gridledger/core';
import { readConfig, type WalletUser } from '@gridledger/network';
import { call } from './call';
import { ErrorCodes, fromFabricError } from './errors';
import type { LedgerPort, Logger } from './ports';
import { Periodic } from './periodic';
import { archiveHourPages } from './routes/reading-archive';

const { metering } = catalogue;
const HOUR = 3600;
/** Hours one tick archives at most: a tick stays short, the next one goes on. */
export const HOURS_PER_TICK = 24;

/**
 * The hours (`YYYY-MM-DDTHH`) due for archiving at `nowSeconds`, oldest first: those of the
 * `lookbackHours` up to the newest hour whose horizons have passed (core hourArchivable), after
 * `after` (the newest one seen finished), at most `max`.
 */
export function dueHours(
  nowSeconds: number,
  params: { lateWindowSeconds: number; archiveAfterSeconds: number },
  lookbackHours: number,
  after: string | undefined,
  max = HOURS_PER_TICK,
): string[] {
  const horizon = Math.max(params.lateWindowSeconds, params.archiveAfterSeconds);
  const newest = Math.floor((nowSeconds - HOUR - horizon) / HOUR) * HOUR;
  const afterStart = after === undefined ? undefined : Date.parse(`${after}:00:00Z`) / 1000;
  let first = newest - (lookbackHours - 1) * HOUR;
  if (afterStart !== undefined && afterStart + HOUR > first) first = afterStart + HOUR;
  const out: string[] = [];
  for (let h = first; h <= newest && out.length < max; h += HOUR) {
    if (hourArchivable(h, nowSeconds, params.lateWindowSeconds, params.archiveAfterSeconds)) out.push(formatInstant(h).slice(0, 13));
  }
  return out;
}

export interface ArchiveSchedulerOptions {
  ledger: LedgerPort;
  operator: WalletUser;
  log: Logger;
  tickMs?: number;
  lookbackHours?: number;
  now?: () => number;
}

export interface ArchiveTick {
  /** Hours this tick finished (archived now, or found finished). */
  finished: string[];
  /** Readings this tick's pages took out of the state. */
  archived: number;
  failed: number;
}

export class ArchiveScheduler extends Periodic<ArchiveTick> {
  /** The newest hour seen finished: the next tick starts after it. */
  private after?: string;

  constructor(private readonly opts: ArchiveSchedulerOptions) {
    super(opts.tickMs ?? 600_000);
  }

  async tick(): Promise<ArchiveTick> {
    const out: ArchiveTick = { finished: [], archived: 0, failed: 0 };
    const { ledger, operator, log } = this.opts;
    try {
      const params = await call(ledger, operator, metering.getParams, []);
      const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
      for (const hour of dueHours(now, params, this.opts.lookbackHours ?? 48, this.after)) {
        const before = await call(ledger, operator, metering.getReadingHourArchive, [hour]).catch((e: unknown) => {
          if (fromFabricError(e).code === ErrorCodes.READING_NOT_FOUND) return undefined;
          throw e;
        });
        if (before?.done !== true) out.archived += (await archiveHourPages(ledger, operator, hour)).archive.count - (before?.count ?? 0);
        out.finished.push(hour);
        this.after = hour;
      }
    } catch (e) {
      const error = fromFabricError(e);
      out.failed += 1;
      log.error({ msg: 'archive scheduler', code: error.code, error: error.message });
    }
    if (out.archived > 0) log.info({ msg: 'reading hours archived', hours: out.finished, readings: out.archived });
    return out;
  }
}

/**
 * The archive scheduler of an organization's gateway, or undefined: in the Community gateway only,
 * as its first operator, and only with GRIDLEDGER_ARCHIVE_SCHEDULER=on; GRIDLEDGER_ARCHIVE_TICK_MS
 * sets its period, GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS how far back from the newest due hour it looks.
 */
export function archiveSchedulerFor(
  profile: { orgs: Record<string, { users: Record<string, WalletUser> }> },
  org: string,
  { ledger, log }: { ledger: LedgerPort; log: Logger },
  env: NodeJS.ProcessEnv = process.env,
): ArchiveScheduler | undefined {
  const config = readConfig(['GRIDLEDGER_ARCHIVE_SCHEDULER', 'GRIDLEDGER_ARCHIVE_TICK_MS', 'GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS'], env);
  if (org !== 'community' || config.GRIDLEDGER_ARCHIVE_SCHEDULER !== 'on') return undefined;
  const operator = Object.values(profile.orgs[org].users).find((u) => u.role === 'operator');
  if (operator === undefined) return undefined;
  return new ArchiveScheduler({
    ledger,
    operator,
    log,
    tickMs: config.GRIDLEDGER_ARCHIVE_TICK_MS,
    lookbackHours: config.GRIDLEDGER_ARCHIVE_LOOKBACK_HOURS,
  });
}
