/**
 * Fixes the baselines of demand-response events at their opt-in deadline, as the operator
 * (docs/flexibility.md, "The baseline scheduler"), so that nobody has to call
 * POST /flex/events/{id}/baselines in the minutes between the deadline and the start.
 *
 * It learns the events of its communities from the ledger's FlexEventCalled events (the VTN's
 * follower, from its checkpoint: docs/operations.md, "Event checkpoints") and keeps those not started
 * yet, in its SQLite file beside the checkpoint, so that a restarted gateway still fixes them. Each
 * tick fixes the baselines of every kept event whose deadline has passed, one transaction per
 * opted-in participant (the route's steps), and forgets the event once all are fixed or once it has
 * started. Idempotent and safe beside the route or a restarted gateway: the chaincode answers a
 * fixed baseline with the fixed one, a concurrent fix loses its MVCC race and is retried by the
 * client, which then reads the fixed record; a refusal (the transaction time not yet past the
 * deadline) is tried again on the next tick. An event learnt again (processed, then the process
 * died before its checkpoint) replaces its kept copy.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { catalogue } from '@gridledger/core/catalogue';
import { parseInstant, type FlexEvent } from '@gridledger/core';
import { readConfig, type WalletUser } from '@gridledger/network';
import { fromFabricError } from './errors';
import { EventCheckpoints } from './event-follower';
import { followFlexEvents, type Follower } from './openadr/follower';
import type { LedgerPort, Logger } from './ports';
import { Periodic } from './periodic';
import { eachOptedIn } from './routes/flex';

const { flex } = catalogue;

/** The name of the scheduler's listener of the ledger's events (its checkpoint's key). */
export const BASELINE_LISTENER = 'flex-baseline-scheduler';
/** The scheduler's SQLite file in the gateway's directory. */
export const BASELINE_DB = 'flex-baselines.sqlite';
const SCHEMA = 'CREATE TABLE IF NOT EXISTS flex_baseline_pending (event_id TEXT PRIMARY KEY, event TEXT NOT NULL) WITHOUT ROWID;';

export interface BaselineSchedulerOptions {
  ledger: LedgerPort;
  operator: WalletUser;
  communities: readonly string[];
  log: Logger;
  tickMs?: number;
  now?: () => number;
  /** Keeps the pending events and the listener's checkpoint (default: in memory, from block 0 at each start). */
  db?: DatabaseSync;
}

export interface FixedEvent {
  eventId: string;
  baselines: number;
}

export class BaselineScheduler extends Periodic<FixedEvent[]> {
  /** Events of the communities that have not started, by id. */
  private readonly pending = new Map<string, FlexEvent>();
  private follower?: Follower;
  private readonly checkpoints: EventCheckpoints;
  private readonly keep: StatementSync;
  private readonly drop: StatementSync;

  constructor(private readonly opts: BaselineSchedulerOptions) {
    super(opts.tickMs ?? 2_000);
    const db = opts.db ?? new DatabaseSync(':memory:');
    db.exec(SCHEMA);
    for (const row of db.prepare('SELECT event FROM flex_baseline_pending').all() as { event: string }[]) {
      const event = JSON.parse(row.event) as FlexEvent;
      this.pending.set(event.eventId, event);
    }
    this.keep = db.prepare('INSERT OR REPLACE INTO flex_baseline_pending (event_id, event) VALUES (?, ?)');
    this.drop = db.prepare('DELETE FROM flex_baseline_pending WHERE event_id = ?');
    this.checkpoints = new EventCheckpoints(db);
  }

  private forget(eventId: string): void {
    this.pending.delete(eventId);
    this.drop.run(eventId);
  }

  private nowSeconds(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  /** An event called on the ledger: kept until its baselines are fixed when it is one of the communities' and has not started. */
  learn(event: FlexEvent): void {
    if (this.opts.communities.includes(event.communityId) && parseInstant(event.start)! > this.nowSeconds()) {
      this.pending.set(event.eventId, event);
      this.keep.run(event.eventId, JSON.stringify(event));
    }
  }

  override start(): void {
    const { ledger, operator, log } = this.opts;
    this.follower = followFlexEvents(ledger, operator, this.checkpoints, BASELINE_LISTENER, (e) => this.learn(e), log);
    super.start();
  }

  override async stop(): Promise<void> {
    await this.follower?.stop();
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
        this.forget(event.eventId);
        this.opts.log.warn({ msg: 'baselines not fixed before the start', eventId: event.eventId });
        continue;
      }
      if (now <= parseInstant(event.optInDeadline)!) continue;
      try {
        const baselines = await eachOptedIn(this.opts.ledger, this.opts.operator, event.eventId, flex.fixBaseline);
        this.forget(event.eventId);
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
  profile: { stateDir?: string; mqtt: { communityId: string }; orgs: Record<string, { users: Record<string, WalletUser> }> },
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
  const tickMs = config.GRIDLEDGER_FLEX_BASELINE_TICK_MS;
  if (profile.stateDir === undefined) return new BaselineScheduler({ ledger, operator, communities, log, tickMs });
  const dir = join(profile.stateDir, 'gateway', org);
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, BASELINE_DB));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  return new BaselineScheduler({ ledger, operator, communities, log, tickMs, db });
}
