/**
 * Issues the certificates of closed hours on time, as the operator (docs/certificates.md,
 * "The certificate scheduler"). It keeps no state of its own: each tick asks the ledger
 * (certificates:listIssuable) which verified renewable assets of each community have hours of the
 * lookback whose metering windows are closed and that are not issued yet, and issues them in
 * batches (certificates:issueBatch, MAX_ISSUANCE_BATCH asset-hours a transaction).
 *
 * The same listing names the closed hours of verified storage assets linked to a battery of the
 * storage marketplace (`discharges`); each is issued as the battery's storage discharge hour
 * (certificates:issueStorageDischarge, one hour a transaction: it advances the battery's cursor),
 * so the buyers of its storage contracts receive their discharge certificates without an issuer
 * asking for each hour.
 *
 * Once every hour of a UTC day in the lookback is closed and nothing of it is left to issue, it
 * records the community's matching of that day for the regulator (certificates:recordCommunityMatching),
 * once: a recorded day is complete by construction, not a figure of whatever had arrived.
 *
 * It also sweeps the community's disputes resolved in the lookback (lists:listResolvedDisputes): the
 * dispute route runs the lowered-figure withdrawal right after a resolution, and a gateway stopped in
 * between would leave an hour that shows more than its figure covers. For each, the withdrawal is
 * evaluated first and submitted only when it would withdraw something (it is idempotent either way).
 *
 * Idempotent and safe with two schedulers: an item refused because its hour is issued already, its
 * market is not settled yet or a reading is estimated is skipped quietly (tried again on a later
 * tick while it is in the lookback); a batch that loses an MVCC race against the other scheduler
 * is skipped, and the next tick no longer lists what the other one issued.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { CONSUMPTION_MEMBERS } from '@gridledger/core/metering';
import { formatInstant } from '@gridledger/core/core';
import { readConfig, type WalletUser } from '@gridledger/network';
import { call } from './call';
import { ErrorCodes, fromFabricError } from './errors';
import type { LedgerPort, Logger } from './ports';
import { Periodic } from './periodic';

const { certificates, lists } = catalogue;

/** The most asset-hours of one issuance transaction (the chaincode's MAX_ISSUANCE_BATCH). */
export const ISSUANCE_BATCH = 100;
/** Meters per page of the listing. */
const LIST_PAGE = 100;
/** The endorsement deadline of a batch: the peer gateway's endorsementTimeout (30 s), as the market scheduler's steps. */
const BATCH_ENDORSE_MS = 30_000;
const HOUR = 3600;
const DAY = 24 * HOUR;

/** Item codes that mean "not for now": issued already (also by the other scheduler), not settled yet, an estimated reading. */
const QUIET = new Set<string>([
  ErrorCodes.CERTIFICATE_HOUR_ISSUED,
  ErrorCodes.CERTIFICATE_HOUR_OPEN,
  ErrorCodes.CERTIFICATE_HOUR_ESTIMATED,
]);
/** Whole-batch failures that the next tick settles: the other scheduler committed first. */
const RACE = new Set<string>([ErrorCodes.TRANSACTION_CONFLICT]);

export interface CertificateSchedulerOptions {
  ledger: LedgerPort;
  operator: WalletUser;
  communities: readonly string[];
  log: Logger;
  tickMs?: number;
  /** Hours that ended this many hours back at most are issued. */
  lookbackHours?: number;
  now?: () => number;
}

export interface TickOutcome {
  communityId: string;
  issued: number;
  skipped: number;
  failed: number;
  /** UTC days whose matching this tick recorded. */
  daysRecorded: string[];
  /** Resolved disputes whose lowered figure this tick withdrew for (the sweep). */
  lowered: number;
  /** Storage discharge hours of linked batteries this tick issued. */
  discharged: number;
}

export class CertificateScheduler extends Periodic<TickOutcome[]> {
  constructor(private readonly opts: CertificateSchedulerOptions) {
    super(opts.tickMs ?? 60_000);
  }

  /** One pass over every community: list what is issuable, issue it in batches. */
  async tick(): Promise<TickOutcome[]> {
    const out: TickOutcome[] = [];
    for (const communityId of this.opts.communities) {
      const outcome: TickOutcome = { communityId, issued: 0, skipped: 0, failed: 0, daysRecorded: [], lowered: 0, discharged: 0 };
      try {
        await this.community(outcome);
      } catch (e) {
        const error = fromFabricError(e);
        outcome.failed += 1;
        this.opts.log.error({ msg: 'certificate scheduler', communityId, code: error.code, error: error.message });
      }
      if (outcome.issued > 0 || outcome.discharged > 0) this.opts.log.info({ msg: 'certificates issued', ...outcome });
      if (outcome.daysRecorded.length > 0) this.opts.log.info({ msg: 'matching days recorded', communityId, days: outcome.daysRecorded });
      if (outcome.lowered > 0) this.opts.log.info({ msg: 'lowered figures withdrawn', communityId, disputes: outcome.lowered });
      out.push(outcome);
    }
    return out;
  }

  private async community(outcome: TickOutcome): Promise<void> {
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    const toHour = Math.floor(now / HOUR) * HOUR; // the current hour is not over: up to it, exclusive
    const fromHour = toHour - (this.opts.lookbackHours ?? 72) * HOUR;
    const closed = new Set<string>();
    const pending = new Set<string>();
    let bookmark = '';
    do {
      const page = await call(this.opts.ledger, this.opts.operator, certificates.listIssuable, [
        outcome.communityId,
        formatInstant(fromHour),
        formatInstant(toHour),
        String(LIST_PAGE),
        bookmark,
      ]);
      for (const h of page.closedHours) closed.add(h);
      for (let k = 0; k < page.items.length; k += ISSUANCE_BATCH)
        for (const left of await this.batch(outcome, page.items.slice(k, k + ISSUANCE_BATCH))) pending.add(left);
      for (const item of page.discharges) await this.discharge(outcome, item);
      bookmark = page.bookmark;
    } while (bookmark !== '');
    await this.recordDays(outcome, Math.ceil(fromHour / DAY) * DAY, Math.floor(toHour / DAY) * DAY, closed, pending);
    await this.sweepLowered(outcome, formatInstant(now - (this.opts.lookbackHours ?? 72) * HOUR));
  }

  /** The lowered-figure withdrawal of each dispute resolved since `from` that still has something to withdraw. */
  private async sweepLowered(outcome: TickOutcome, from: string): Promise<void> {
    const { ledger, operator } = this.opts;
    let bookmark = '';
    do {
      const page = await call(ledger, operator, lists.listResolvedDisputes, [outcome.communityId, from, '', String(LIST_PAGE), bookmark]);
      for (const { meterId, intervalStart } of page.items as { meterId: string; intervalStart: string }[]) {
        try {
          const dryRun = (await ledger.evaluate(operator, certificates.withdrawLowered.fn, [meterId, intervalStart])) as {
            hours: unknown[];
          };
          if (dryRun.hours.length === 0) continue;
          await call(ledger, operator, certificates.withdrawLowered, [meterId, intervalStart]);
          outcome.lowered += 1;
        } catch (e) {
          // The Regulator's peer a block behind, or a race with the route: the next tick tries again.
          const error = fromFabricError(e);
          outcome.failed += 1;
          this.opts.log.warn({ msg: 'lowered-figure sweep', communityId: outcome.communityId, meterId, intervalStart, code: error.code });
        }
      }
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }

  /** Records the matching of each whole day of [from, to) not recorded yet whose 24 hours are closed and none left to issue. */
  private async recordDays(outcome: TickOutcome, from: number, to: number, closed: Set<string>, pending: Set<string>): Promise<void> {
    const complete: string[] = [];
    for (let day = from; day < to; day += DAY) {
      const hours = Array.from({ length: 24 }, (_, h) => formatInstant(day + h * HOUR));
      if (hours.every((h) => closed.has(h) && !pending.has(h))) complete.push(formatInstant(day));
    }
    if (complete.length === 0) return;
    const recorded = await call(this.opts.ledger, this.opts.operator, certificates.getRecordedMatching, [
      outcome.communityId,
      complete[0],
      formatInstant(to),
    ]);
    const done = new Set(recorded.days.map((d) => d.dayStart));
    for (const dayStart of complete.filter((d) => !done.has(d))) {
      await call(this.opts.ledger, this.opts.operator, certificates.recordCommunityMatching, [outcome.communityId, dayStart], {
        endorsingOrganizations: [...CONSUMPTION_MEMBERS],
      });
      outcome.daysRecorded.push(dayStart);
    }
  }

  /**
   * Issues a linked battery's storage discharge hour. Quiet like a batch's items: issued already (also
   * by the other scheduler), not settled yet or estimated, or an MVCC race lost: a later tick lists it again or not.
   */
  private async discharge(outcome: TickOutcome, { assetId, hourStart }: { assetId: string; hourStart: string }): Promise<void> {
    try {
      await call(this.opts.ledger, this.opts.operator, certificates.issueStorageDischarge, [assetId, hourStart], {
        endorseDeadlineMs: BATCH_ENDORSE_MS,
      });
      outcome.discharged += 1;
    } catch (e) {
      const error = fromFabricError(e);
      if (QUIET.has(error.code) || RACE.has(error.code)) {
        outcome.skipped += 1;
        return;
      }
      outcome.failed += 1;
      this.opts.log.warn({ msg: 'storage discharge refused', communityId: outcome.communityId, assetId, hourStart, code: error.code });
    }
  }

  /** Issues a batch; answers the hours of its items still to issue: not settled yet, or the batch failed (the next tick tries again). */
  private async batch(outcome: TickOutcome, items: { assetId: string; hourStart: string }[]): Promise<string[]> {
    const left: string[] = [];
    try {
      const { result } = await call(this.opts.ledger, this.opts.operator, certificates.issueBatch, [{ items }], {
        endorseDeadlineMs: BATCH_ENDORSE_MS,
      });
      for (const item of result.items) {
        if (item.status === 'issued') outcome.issued += 1;
        else if (item.error?.code === ErrorCodes.CERTIFICATE_HOUR_ISSUED) outcome.skipped += 1;
        else if (QUIET.has(item.error?.code ?? '')) {
          outcome.skipped += 1;
          // Its market not settled yet: the hour is still to issue. An estimated hour stays unissued until a reading replaces it.
          if (item.error?.code === ErrorCodes.CERTIFICATE_HOUR_OPEN) left.push(item.hourStart);
        } else {
          outcome.failed += 1;
          const { assetId, hourStart } = item;
          this.opts.log.warn({ msg: 'certificate issuance refused', communityId: outcome.communityId, assetId, hourStart, ...item.error });
        }
      }
    } catch (e) {
      const error = fromFabricError(e);
      left.push(...items.map((i) => i.hourStart));
      if (RACE.has(error.code)) {
        outcome.skipped += items.length;
        return left;
      }
      outcome.failed += items.length;
      this.opts.log.error({ msg: 'certificate batch failed', communityId: outcome.communityId, code: error.code, error: error.message });
    }
    return left;
  }
}

/**
 * The certificate scheduler of an organization's gateway, or undefined: like the market scheduler
 * it runs in the Community gateway only, as its first operator, for GRIDLEDGER_CERTIFICATE_COMMUNITIES
 * (default: the market scheduler's communities); GRIDLEDGER_CERTIFICATE_SCHEDULER=off switches it off,
 * GRIDLEDGER_CERTIFICATE_TICK_MS sets its period, GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS how far back it issues.
 */
export function certificateSchedulerFor(
  profile: { mqtt: { communityId: string }; orgs: Record<string, { users: Record<string, WalletUser> }> },
  org: string,
  ledger: LedgerPort,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): CertificateScheduler | undefined {
  const config = readConfig(
    [
      'GRIDLEDGER_CERTIFICATE_SCHEDULER',
      'GRIDLEDGER_CERTIFICATE_COMMUNITIES',
      'GRIDLEDGER_CERTIFICATE_TICK_MS',
      'GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS',
      'GRIDLEDGER_MARKET_COMMUNITIES',
    ],
    env,
  );
  if (org !== 'community' || config.GRIDLEDGER_CERTIFICATE_SCHEDULER === 'off') return undefined;
  const operator = Object.values(profile.orgs[org].users).find((u) => u.role === 'operator');
  if (operator === undefined) return undefined;
  const communities = config.GRIDLEDGER_CERTIFICATE_COMMUNITIES ?? config.GRIDLEDGER_MARKET_COMMUNITIES ?? [profile.mqtt.communityId];
  return new CertificateScheduler({
    ledger,
    operator,
    communities,
    log,
    tickMs: config.GRIDLEDGER_CERTIFICATE_TICK_MS,
    lookbackHours: config.GRIDLEDGER_CERTIFICATE_LOOKBACK_HOURS,
  });
}
