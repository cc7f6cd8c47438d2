/**
 * Closes, clears and settles every interval of the configured communities on time, as the
 * operator. It keeps no state of its own: the ledger decides. Each step is a transaction that the
 * chaincode refuses (INTERVAL_STATE_CONFLICT) when it was already done, so a step repeated after a
 * restart, or by two schedulers at once, is refused cleanly and skipped; a settlement that waits
 * for readings (SETTLEMENT_METERING_INCOMPLETE) is tried again on a later tick.
 *
 * Settlement reads the energy positions of the metering windows inside the market interval, so
 * before settling an interval the scheduler closes those windows (energy:closeWindow) once their
 * late window has passed and the ledger says they are still open; closing is itself idempotent on
 * the ledger (a closed window is returned, not closed again). Then it settles the interval's
 * bilateral contracts (refused when done before), then the spot market.
 *
 * Clearing and settlement run in pages: the scheduler reads the next page's number from the
 * interval record and names it in the transaction, so a page done before (by the other scheduler,
 * or before a restart) is refused.
 */
import { catalogue, type ArgValues, type Transaction } from '@gridledger/core/catalogue';
import { formatInstant, parseInstant } from '@gridledger/core/core';
import { readConfig, type WalletUser } from '@gridledger/network';
import { call } from './call';
import { ErrorCodes, fromFabricError } from './errors';
import type { LedgerPort, Logger } from './ports';
import { Periodic } from './periodic';
import { closeWindowPages } from './routes/metering';

const { market, metering: meteringTx, energy, contracts: contractsTx } = catalogue;

export interface MarketSchedulerOptions {
  ledger: LedgerPort;
  operator: WalletUser;
  communities: readonly string[];
  log: Logger;
  tickMs?: number;
  /** Intervals whose gate passed this many intervals back are still closed if nobody did. */
  lookbackIntervals?: number;
  now?: () => number;
}

/** Codes that mean "this step is not for now": done already, or readings still awaited. */
const SKIP = new Set<string>([
  ErrorCodes.INTERVAL_STATE_CONFLICT,
  ErrorCodes.SETTLEMENT_METERING_INCOMPLETE,
  ErrorCodes.MARKET_NOT_FOUND,
  ErrorCodes.WINDOW_STATE_INVALID,
]);

/** The endorsement deadline of the scheduler's steps: the peer gateway's endorsementTimeout (30 s), beyond the REST gateway's 15 s. */
const STEP_ENDORSE_MS = 30_000;

export type StepOutcome = {
  step: string;
  communityId: string;
  intervalStart: string;
  outcome: 'done' | 'skipped' | 'failed';
  code?: string;
};

export class MarketScheduler extends Periodic<StepOutcome[]> {
  constructor(private readonly opts: MarketSchedulerOptions) {
    super(opts.tickMs ?? 5_000);
  }

  /** One pass over every community: close what is due, clear what is closed, settle what was delivered. */
  async tick(): Promise<StepOutcome[]> {
    const out: StepOutcome[] = [];
    for (const communityId of this.opts.communities) {
      try {
        out.push(...(await this.community(communityId)));
      } catch (e) {
        const error = fromFabricError(e);
        if (!SKIP.has(error.code)) this.opts.log.error({ msg: 'market scheduler', communityId, code: error.code, error: error.message });
      }
    }
    return out;
  }

  private async community(communityId: string): Promise<StepOutcome[]> {
    const now = Math.floor((this.opts.now ?? Date.now)() / 1000);
    const { params } = await this.read(market.getParams, [communityId, '']);
    const out: StepOutcome[] = [];
    // Close: the latest intervals whose gate has passed (the chaincode refuses those already closed).
    const latest = Math.floor((now + params.gateClosureSeconds) / params.intervalSeconds) * params.intervalSeconds;
    for (let k = this.opts.lookbackIntervals ?? 2; k >= 0; k--) {
      const start = latest - k * params.intervalSeconds;
      if (start - params.gateClosureSeconds <= now) {
        out.push(await this.step('close', market.closeInterval, [communityId, formatInstant(start)]));
      }
    }
    for (const status of ['closed', 'clearing'] as const) {
      for (const intervalStart of await this.read(market.listDue, [communityId, status])) {
        out.push(...(await this.pages('clear', market.clearInterval, communityId, intervalStart)));
      }
    }
    // Both lists first: an interval whose page fails in this tick waits for the next one.
    const cleared = await this.read(market.listDue, [communityId, 'cleared']);
    const settling = await this.read(market.listDue, [communityId, 'settling']);
    let metering: { intervalSeconds: number; lateWindowSeconds: number } | undefined;
    for (const intervalStart of cleared) {
      const start = parseInstant(intervalStart) ?? Infinity;
      if (start + params.intervalSeconds > now) continue;
      metering ??= await this.read(meteringTx.getParams, []);
      if (!(await this.closeWindows(out, communityId, start, start + params.intervalSeconds, metering, now))) continue;
      // Bilateral contracts first: the spot settlement sees the positions with their volume taken out.
      // Only once they are (done now or before): a settled interval leaves the due list, and its contracts with it.
      const contracts = await this.step('settle-contracts', contractsTx.settleContracts, [communityId, intervalStart]);
      out.push(contracts);
      if (contracts.outcome === 'done' || contracts.code === ErrorCodes.INTERVAL_STATE_CONFLICT) {
        out.push(...(await this.pages('settle', market.settleInterval, communityId, intervalStart)));
      }
    }
    // Intervals whose first settlement pages are done (their windows closed and contracts settled before).
    for (const intervalStart of settling) {
      out.push(...(await this.pages('settle', market.settleInterval, communityId, intervalStart)));
    }
    return out;
  }

  /**
   * Closes the metering windows of [start, end) that the ledger still has open, each once its late
   * window has passed. True when every one of them is past its late window (closed now or before).
   */
  private async closeWindows(
    out: StepOutcome[],
    communityId: string,
    start: number,
    end: number,
    metering: { intervalSeconds: number; lateWindowSeconds: number },
    now: number,
  ): Promise<boolean> {
    for (let t = start; t < end; t += metering.intervalSeconds) {
      if (t + metering.intervalSeconds + metering.lateWindowSeconds > now) return false;
      const window = await this.read(energy.getWindow, [communityId, formatInstant(t)]);
      if (window.closed === false)
        out.push(
          await this.run(
            'close-window',
            communityId,
            formatInstant(t),
            async () => (await closeWindowPages(this.opts.ledger, this.opts.operator, communityId, formatInstant(t))).answer,
          ),
        );
    }
    return true;
  }

  /** Clears or settles an interval page after page until that step is done or a page is refused or fails. */
  private async pages(
    step: 'clear' | 'settle',
    tx: typeof market.clearInterval | typeof market.settleInterval,
    communityId: string,
    intervalStart: string,
  ): Promise<StepOutcome[]> {
    const out: StepOutcome[] = [];
    const [first, next, progress] =
      step === 'clear' ? (['closed', 'clearing', 'clearing'] as const) : (['cleared', 'settling', 'settlement'] as const);
    for (;;) {
      const interval = await this.read(market.getInterval, [communityId, intervalStart]);
      if (interval.status !== first && interval.status !== next) return out;
      const outcome = await this.step(step, tx, [communityId, intervalStart, String(interval[progress]?.pagesDone ?? 0)]);
      out.push(outcome);
      if (outcome.outcome !== 'done') return out;
    }
  }

  /** A step of the interval `args` name (community, interval start and, for a page, its number) as the operator. */
  private step<T extends Transaction<'submit'>>(step: string, tx: T, args: ArgValues<T['args']>): Promise<StepOutcome> {
    const [communityId, intervalStart] = args as unknown as [string, string];
    // A clearing page of a large interval reads its whole book: it may take longer than a user's request (the peer gateway allows 30 s).
    const submit = async () => (await call(this.opts.ledger, this.opts.operator, tx, args, { endorseDeadlineMs: STEP_ENDORSE_MS })).result;
    return this.run(step, communityId, intervalStart, submit);
  }

  /** Reads the ledger as the operator. */
  private read<T extends Transaction<'evaluate'>>(tx: T, args: ArgValues<T['args']>) {
    return call(this.opts.ledger, this.opts.operator, tx, args);
  }

  /** One step: done, skipped (refused as done before or not due; a window closed by someone else), or failed. */
  private async run(step: string, communityId: string, intervalStart: string, submit: () => Promise<unknown>): Promise<StepOutcome> {
    try {
      const result = await submit();
      // A window another scheduler closed first comes back as it was (closing is idempotent): nothing done here.
      if ((result as { alreadyClosed?: boolean } | undefined)?.alreadyClosed === true)
        return { step, communityId, intervalStart, outcome: 'skipped' };
      this.opts.log.info({ msg: 'market step', step, communityId, intervalStart });
      return { step, communityId, intervalStart, outcome: 'done' };
    } catch (e) {
      const error = fromFabricError(e);
      if (SKIP.has(error.code)) return { step, communityId, intervalStart, outcome: 'skipped', code: error.code };
      this.opts.log.error({ msg: 'market step failed', step, communityId, intervalStart, code: error.code, error: error.message });
      return { step, communityId, intervalStart, outcome: 'failed', code: error.code };
    }
  }
}

/**
 * The scheduler of an organization's gateway, or undefined: it runs in the Community gateway only,
 * as its first operator, for the communities in GRIDLEDGER_MARKET_COMMUNITIES (comma-separated;
 * default the platform's community); GRIDLEDGER_MARKET_SCHEDULER=off switches it off (tests that
 * drive the steps by hand), GRIDLEDGER_MARKET_TICK_MS sets its period.
 */
export function schedulerFor(
  profile: { mqtt: { communityId: string }; orgs: Record<string, { users: Record<string, WalletUser> }> },
  org: string,
  ledger: LedgerPort,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): MarketScheduler | undefined {
  const config = readConfig(['GRIDLEDGER_MARKET_SCHEDULER', 'GRIDLEDGER_MARKET_COMMUNITIES', 'GRIDLEDGER_MARKET_TICK_MS'], env);
  if (org !== 'community' || config.GRIDLEDGER_MARKET_SCHEDULER === 'off') return undefined;
  const operator = Object.values(profile.orgs[org].users).find((u) => u.role === 'operator');
  if (operator === undefined) return undefined;
  const communities = config.GRIDLEDGER_MARKET_COMMUNITIES ?? [profile.mqtt.communityId];
  return new MarketScheduler({ ledger, operator, communities, log, tickMs: config.GRIDLEDGER_MARKET_TICK_MS });
}
