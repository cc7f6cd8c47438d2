/**
 * Counters of one agent's DHT node and its discoveries: records refused by the node's validator
 * (any put or get that reached it), and the buyer's verdicts on the records it found. Read with
 * snapshot(); the agent process exposes them beside its other figures.
 */
import type { RefusalReason } from './record.js';

/** Why a buyer dropped a record that passed the DHT's checks (docs/agents.md, "Discovery (DHT)"). */
export type ForgedReason = 'agent-not-bound' | 'offer-unknown' | 'meter-mismatch' | 'price-mismatch';
export type StaleReason = 'expired' | 'offer-closed' | 'energy-changed';

export interface DhtMetricsSnapshot {
  /** Records this node's validator refused, by reason (forged ones: 'bad-signature', 'key-mismatch'). */
  refused: Record<RefusalReason, number>;
  lookups: number;
  /** Providers of the interval key whose record was found and passed the DHT's checks. */
  found: number;
  /** Providers without a valid record in the DHT (none stored, or only refused ones). */
  missing: number;
  accepted: number;
  forged: Record<ForgedReason, number>;
  stale: Record<StaleReason, number>;
  /** Records not judged because the ledger could not be asked (dropped, not counted as forged or stale). */
  unchecked: number;
}

export class DhtMetrics {
  private readonly counts: DhtMetricsSnapshot = {
    refused: { malformed: 0, 'key-mismatch': 0, 'bad-signature': 0 },
    lookups: 0,
    found: 0,
    missing: 0,
    accepted: 0,
    forged: { 'agent-not-bound': 0, 'offer-unknown': 0, 'meter-mismatch': 0, 'price-mismatch': 0 },
    stale: { expired: 0, 'offer-closed': 0, 'energy-changed': 0 },
    unchecked: 0,
  };

  refused(reason: RefusalReason): void {
    this.counts.refused[reason] += 1;
  }

  forged(reason: ForgedReason): void {
    this.counts.forged[reason] += 1;
  }

  stale(reason: StaleReason): void {
    this.counts.stale[reason] += 1;
  }

  add(counter: 'lookups' | 'found' | 'missing' | 'accepted' | 'unchecked', n = 1): void {
    this.counts[counter] += n;
  }

  snapshot(): DhtMetricsSnapshot {
    return structuredClone(this.counts);
  }
}
