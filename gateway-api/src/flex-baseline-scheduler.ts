/**
 * Fixes the baselines of demand-response events at their opt-in deadline, as the operator
 * (docs/flexibility.md, "The baseline scheduler"), so that nobody has to call
 * POST /flex/events/{id}/baselines in the minutes between the deadline and the start.
 *
 * It learns the events of its communities from the ledger's FlexEventCalled events (from block 0
 * at start, then as they are committed: the VTN's follower) and keeps those not started yet. Each
 * tick fixes the baselines of every kept event whose deadline has passed, one transaction per
 * opted-in participant (the route's steps), and forgets the event once all are fixed or once it has
 * started. Idempotent and safe beside the route or a restarted gateway: the chaincode answers a
 * fixed baseline with the fixed one, a concurrent fix loses its MVCC race and is retried by the
 * client, which then reads the fixed record; a refusal (the transaction time not yet past the
 * deadline) is tried again on the next tick.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { parseInstant, type FlexEvent } from '@gridledger/core';
import { readConfig, type WalletUser } from '@gridledger/network';
import { fromFabricError } from './errors';
import { followFlexEvents, type Follower } from './openadr/follower';
import type { LedgerPort, Logger } from './ports';
import { Periodic } from './periodic';
import { eachOptedIn } from './routes/flex';

const { flex } = catalogue;

export interface BaselineSchedulerOptions {
  ledger: LedgerPort;
  operator: WalletUser;
  communities: readonly string[];
  log: Logger;
  tickMs?: number;
  now?: () => number;
}

export interface FixedEvent {
  eventId: string;
  baselines: number;
}

export class BaselineScheduler extends Periodic<FixedEvent[]> {
  /** Events of the communities that have not started, by id. */
  private readonly pending = new Map<string, FlexEvent>();
  private follower?: Follower;

  constructor(private readonly opts: BaselineSchedulerOptions) {
    super(opts.tickMs ?? 2_000);
  }

  private nowSeconds(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  /** An event called on the ledger: kept until its baselines are fixed when it is one of the communities' and has not started. */
  learn(event: FlexEvent): void {
    if (this.opts.communities.includes(event.communityId) && parseInstant(event.start)! > this.nowSeconds())
      this.pending.set(event.eventId, event);
  }

  override start(): void {
    this.follower = followFlexEvents(this.opts.ledger, this.opts.operator, (e) => this.learn(e), this.opts.log);
    super.start();
  }

  override async stop(): Promise<void> {
    this.follower?.stop();
    await super.stop();
  }

  /** Fixes the baselines of every kept event past its deadline, earliest deadline first. */
  async tick(): Promise<FixedEvent[]> {
    const now = this.nowSeconds();
    const out: FixedEvent[] = [];
    const due = [...this.pending.values()].sort(
      (a, b) => a.optInDeadline.localeCompare(b.optInDeadline) || a.eventId.localeCompare(b.eventId),
    );
    for (const event of due) {
      if (now >= parseInstant(event.start)!) {
        this.pending.delete(event.eventId);
        this.opts.log.warn({ msg: 'baselines not fixed before the start', eventId: event.eventId });
        continue;
      }
      if (now <= parseInstant(event.optInDeadline)!) continue;
      try {
        const baselines = await eachOptedIn(this.opts.ledger, this.opts.operator, event.eventId, flex.fixBaseline);
        this.pending.delete(event.eventId);
        out.push({ eventId: event.eventId, baselines: baselines.length });
        this.opts.log.info({ msg: 'baselines fixed at the deadline', eventId: event.eventId, baselines: baselines.length });
      } catch (e) {
        const error = fromFabricError(e);
        this.opts.log.warn({
          msg: 'baselines not fixed; tried again next tick',
          eventId: event.eventId,
          code: error.code,
          error: error.message,
        });
      }
    }
    return out;
  }
}

/**
 * The baseline scheduler of an organization's gateway, or undefined: like the other schedulers it runs in the Community gateway
 * only, as its first operator, for the market scheduler's communities; GRIDLEDGER_FLEX_BASELINE_SCHEDULER=off switches it off,
 * GRIDLEDGER_FLEX_BASELINE_TICK_MS sets its period.
 */
export function baselineSchedulerFor(
  profile: { mqtt: { communityId: string }; orgs: Record<string, { users: Record<string, WalletUser> }> },
  org: string,
  ledger: LedgerPort,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): BaselineScheduler | undefined {
  const config = readConfig(
    ['GRIDLEDGER_FLEX_BASELINE_SCHEDULER', 'GRIDLEDGER_FLEX_BASELINE_TICK_MS', 'GRIDLEDGER_MARKET_COMMUNITIES'],
    env,
  );
  if (org !== 'community' || config.GRIDLEDGER_FLEX_BASELINE_SCHEDULER === 'off') return undefined;
  const operator = Object.values(profile.orgs[org].users).find((u) => u.role === 'operator');
  if (operator === undefined) return undefined;
  const communities = config.GRIDLEDGER_MARKET_COMMUNITIES ?? [profile.mqtt.communityId];
  return new BaselineScheduler({ ledger, operator, communities, log, tickMs: config.GRIDLEDGER_FLEX_BASELINE_TICK_MS });
}
