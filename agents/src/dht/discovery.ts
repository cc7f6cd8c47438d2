/**
 * Publishing and discovery of surplus records (docs/agents.md, "Discovery (DHT)").
 *
 * A seller's agent puts its signed record under its own key for the interval and provides the
 * community's interval key (a CID of `/gridledger/<community>/<intervalStart>/<balance>`). A buyer
 * finds the providers of that key, fetches every provider's record in parallel (the DHT's
 * validator has already refused bad signatures and records under another agent's key; the
 * selector picked the newest), then checks each against the clock and the ledger: the agent must
 * be the one the ledger binds to the meter, every offer must be open with the announced price and
 * energy and belong to that meter. Anything else is dropped and counted. A provider's address is
 * used to dial it, never as evidence of anything.
 */
import { compareIds } from '@gridledger/core';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { PeerId } from '@libp2p/interface';
import type { CommunityNode } from './node.js';
import { LedgerUnavailable, type AgentBinding, type OfferCheck } from './ledger-check.js';
import type { ForgedReason, StaleReason } from './metrics.js';
import { recordKey, signRecord, verifyRecord, type Balance, type SurplusRecord } from './record.js';

/** The content key whose providers are the agents with a record of that balance for the interval. */
export async function intervalKey(communityId: string, intervalStart: number, balance: Balance): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`/gridledger/${communityId}/${intervalStart}/${balance}`));
  return CID.createV1(raw.code, digest);
}

async function drain(events: AsyncIterable<unknown>): Promise<void> {
  for await (const _event of events) {
    // kad-dht reports progress as events; the put or provide is done when they end.
  }
}

/**
 * Publishes the agent's record: signed with the node's key, put to the DHT under the agent's key
 * for the interval, and the node announced as a provider of the interval key of its balance.
 */
export async function publishRecord(node: CommunityNode, record: SurplusRecord, options: { signal?: AbortSignal } = {}): Promise<void> {
  const agentId = node.libp2p.peerId.toString();
  if (record.agentId !== agentId || record.communityId !== node.communityId) {
    throw new Error(`a node publishes its own records only (agent ${agentId}, community ${node.communityId})`);
  }
  const dht = node.libp2p.services.dht;
  const value = await signRecord(record, node.privateKey);
  await drain(dht.put(recordKey(record.communityId, record.intervalStart, agentId), value, options));
  await drain(dht.provide(await intervalKey(record.communityId, record.intervalStart, record.balance), options));
}

export interface DiscoveryOptions {
  intervalStart: number;
  /** Which records: sellers' (surplus, by default) or buyers' (deficit). */
  balance?: Balance;
  ledger: OfferCheck & AgentBinding;
  /** Seconds since the epoch; records whose interval has ended are stale. */
  nowSeconds: number;
  /** Budget of the whole lookup; 10 s by default. */
  timeoutMs?: number;
}

/** What one discovery found: the records that passed every check, and how many of each verdict. */
export interface Discovery {
  accepted: SurplusRecord[];
  providers: number;
  missing: number;
  forged: Partial<Record<ForgedReason, number>>;
  stale: Partial<Record<StaleReason, number>>;
  unchecked: number;
}

type Verdict = { ok: true } | { ok: false; forged: ForgedReason } | { ok: false; stale: StaleReason };

/** Checks a record that passed the DHT's validator against the clock and the ledger. */
async function judge(record: SurplusRecord, ledger: OfferCheck & AgentBinding, nowSeconds: number): Promise<Verdict> {
  if (nowSeconds >= record.intervalEnd) return { ok: false, stale: 'expired' };
  if ((await ledger.agentOf(record.meterId)) !== record.agentId) return { ok: false, forged: 'agent-not-bound' };
  const offers = await Promise.all(record.offers.map((o) => ledger.offer(o.offerId)));
  let stale: StaleReason | undefined;
  for (const [i, announced] of record.offers.entries()) {
    const onLedger = offers[i];
    if (onLedger === undefined) return { ok: false, forged: 'offer-unknown' };
    if (onLedger.sellerMeterId !== record.meterId) return { ok: false, forged: 'meter-mismatch' };
    if (onLedger.priceMicrosPerKwh !== announced.priceMicrosPerKwh) return { ok: false, forged: 'price-mismatch' };
    if (onLedger.status !== 'open') stale ??= 'offer-closed';
    else if (onLedger.energyWh !== announced.energyWh) stale ??= 'energy-changed';
  }
  return stale === undefined ? { ok: true } : { ok: false, stale };
}

/** The newest record of one agent for the interval that passed the DHT's checks, or undefined. */
async function fetchRecord(node: CommunityNode, key: Uint8Array, signal: AbortSignal): Promise<SurplusRecord | undefined> {
  let value: Uint8Array | undefined;
  try {
    // The last VALUE event of a get is the one its selector chose.
    for await (const event of node.libp2p.services.dht.get(key, { signal })) {
      if (event.name === 'VALUE') value = event.value;
    }
  } catch {
    // Not found, or the budget ran out: the provider counts as missing.
  }
  if (value === undefined) return undefined;
  // The DHT verified it on receipt; verified once more here for the typed record.
  return verifyRecord(key, value).catch(() => undefined);
}

/** Finds the interval's records of the community from this node, checks them and counts the verdicts. */
export async function discover(node: CommunityNode, options: DiscoveryOptions): Promise<Discovery> {
  const balance = options.balance ?? 'surplus';
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const dht = node.libp2p.services.dht;
  const metrics = node.metrics;
  metrics.add('lookups');
  const providers = new Map<string, PeerId>();
  try {
    for await (const event of dht.findProviders(await intervalKey(node.communityId, options.intervalStart, balance), { signal })) {
      if (event.name === 'PROVIDER') for (const p of event.providers) providers.set(p.id.toString(), p.id);
    }
  } catch {
    // The budget ran out: judge the providers found so far.
  }
  const result: Discovery = { accepted: [], providers: providers.size, missing: 0, forged: {}, stale: {}, unchecked: 0 };
  await Promise.all(
    [...providers.keys()].sort().map(async (agentId) => {
      const record = await fetchRecord(node, recordKey(node.communityId, options.intervalStart, agentId), signal);
      if (record === undefined || record.balance !== balance) {
        result.missing += 1;
        metrics.add('missing');
        return;
      }
      metrics.add('found');
      let verdict: Verdict;
      try {
        verdict = await judge(record, options.ledger, options.nowSeconds);
      } catch (e) {
        if (!(e instanceof LedgerUnavailable)) throw e;
        result.unchecked += 1;
        metrics.add('unchecked');
        return;
      }
      if (verdict.ok) {
        result.accepted.push(record);
        metrics.add('accepted');
      } else if ('forged' in verdict) {
        result.forged[verdict.forged] = (result.forged[verdict.forged] ?? 0) + 1;
        metrics.forged(verdict.forged);
      } else {
        result.stale[verdict.stale] = (result.stale[verdict.stale] ?? 0) + 1;
        metrics.stale(verdict.stale);
      }
    }),
  );
  result.accepted.sort((a, b) => compareIds(a.agentId, b.agentId));
  return result;
}
