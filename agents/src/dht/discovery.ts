/**
 * Publishing and discovery of surplus records (docs/agents.md, "Discovery (DHT)").
 *
 * A seller's agent puts its signed record under its own key for the interval and provides its shard
 * of the community's interval key (a CID of `/gridledger/<community>/<intervalStart>/<balance>/<shard>`,
 * the shard a function of its agent id: shard.ts). A buyer finds the providers of every shard at
 * once, fetches every provider's record in parallel (the DHT's
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
import type { CommunityNode } from './node.js';
import { LedgerUnavailable, type AgentBinding, type OfferCheck } from './ledger-check.js';
import type { ForgedReason, StaleReason } from './metrics.js';
import { INTERVAL_SHARDS, shardOf } from './shard.js';
import { recordKey, selectNewest, signRecord, verifyRecord, type Balance, type SurplusRecord } from './record.js';

/** The content key whose providers are the agents of that shard with a record of that balance for the interval. */
export async function intervalKey(communityId: string, intervalStart: number, balance: Balance, shard: number): Promise<CID> {
  const digest = await sha256.digest(new TextEncoder().encode(`/gridledger/${communityId}/${intervalStart}/${balance}/${shard}`));
  return CID.createV1(raw.code, digest);
}

/** How far a publication reached: the other nodes that stored the record, and those that took the provider entry. */
export interface Publication {
  stored: number;
  announced: number;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/**
 * Publishes the agent's record: signed with the node's key, put to the DHT under the agent's key
 * for the interval, and the node announced as a provider of its shard of the interval key of its
 * balance. kad-dht's put and provide end without an error when no other node took the record or
 * the entry (their failures are only progress events), so the answer counts the nodes that did:
 * a caller can publish again when they are too few (docs/agents.md, "Discovery (DHT)").
 */
export async function publishRecord(
  node: CommunityNode,
  record: SurplusRecord,
  options: { signal?: AbortSignal } = {},
): Promise<Publication> {
  const agentId = node.libp2p.peerId.toString();
  if (record.agentId !== agentId || record.communityId !== node.communityId) {
    throw new Error(`a node publishes its own records only (agent ${agentId}, community ${node.communityId})`);
  }
  const dht = node.libp2p.services.dht;
  const value = await signRecord(record, node.privateKey);
  const published: Publication = { stored: 0, announced: 0 };
  for await (const event of dht.put(recordKey(record.communityId, record.intervalStart, agentId), value, options)) {
    // A node that refused or failed the put answers with an error, or without the record.
    if (
      event.name === 'PEER_RESPONSE' &&
      event.messageName === 'PUT_VALUE' &&
      event.record !== undefined &&
      sameBytes(event.record.value, value)
    )
      published.stored += 1;
  }
  for await (const event of dht.provide(
    await intervalKey(record.communityId, record.intervalStart, record.balance, shardOf(agentId)),
    options,
  )) {
    // ADD_PROVIDER has no answer: its PEER_RESPONSE says the message was written to the node.
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') published.announced += 1;
  }
  return published;
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
  /** Valid copies of each record to wait for (LOOKUP_QUORUM by default; lookupRecord). */
  quorum?: number;
  /** Answers of other nodes each shard's query waits for (SHARD_QUORUM by default; Infinity: findProviders' whole query). */
  shardQuorum?: number;
}

/** What one discovery found: the records that passed every check, and how many of each verdict. */
export interface Discovery {
  accepted: SurplusRecord[];
  providers: number;
  /** Shards whose providers reached kad-dht's 20 (kBucketSize): their lists may have been cut short. */
  fullShards: number;
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

/**
 * Valid copies of a record a lookup waits for before it stops (docs/agents.md, "Discovery (DHT)").
 * kad-dht's own get walks every disjoint path to its end and only then picks the newest copy; a
 * put stores the record on the K (20) nodes closest to its key, so the first few answers of a
 * lookup are nearly always copies of it.
 */
export const LOOKUP_QUORUM = 3;

export interface LookupOptions {
  signal?: AbortSignal;
  /** Stop once this many peers have answered with a valid copy (LOOKUP_QUORUM by default; Infinity: kad-dht's whole get). */
  quorum?: number;
  /** kad-dht's progress events of the query (`kad-dht:query:send-query`, …): the bench counts the requests sent. */
  onProgress?: (event: Event) => void;
}

/**
 * The newest valid record under `key` among the first `quorum` copies the DHT's get reports, or
 * undefined. Every copy is checked (verifyRecord: form, key, signature) before it counts, and the
 * newest of them (selectNewest: highest seq) is the answer, so a forged copy can never win and an
 * older copy only wins when none of the peers that answered first has the newer one. When fewer
 * peers hold the record, the get runs to its end and its own pick (the last VALUE) counts too.
 */
export async function lookupRecord(node: CommunityNode, key: Uint8Array, options: LookupOptions = {}): Promise<SurplusRecord | undefined> {
  const quorum = options.quorum ?? LOOKUP_QUORUM;
  const copies: Uint8Array[] = [];
  const answered = new Set<string>();
  let valid = 0;
  const take = async (value: Uint8Array): Promise<void> => {
    copies.push(value);
    if (
      await verifyRecord(key, value).then(
        () => true,
        () => false,
      )
    )
      valid += 1;
  };
  try {
    for await (const event of node.libp2p.services.dht.get(key, { signal: options.signal, onProgress: options.onProgress })) {
      if (event.name === 'PEER_RESPONSE' && event.record !== undefined && !answered.has(event.from.toString())) {
        answered.add(event.from.toString());
        await take(event.record.value);
      } else if (event.name === 'VALUE') {
        await take(event.value);
      }
      // Leaving the loop ends kad-dht's query and aborts its requests still running.
      if (valid >= quorum) break;
    }
  } catch {
    // Not found, or the budget ran out: judge the copies found so far.
  }
  return newestValid(key, copies);
}

/** The newest (selectNewest) of the copies that pass verifyRecord, or undefined: a forged copy never wins, whatever its seq. */
export async function newestValid(key: Uint8Array, copies: Uint8Array[]): Promise<SurplusRecord | undefined> {
  const checked = await Promise.all(
    copies.map((value) =>
      verifyRecord(key, value).then(
        () => value,
        () => undefined,
      ),
    ),
  );
  const valid = checked.filter((value): value is Uint8Array => value !== undefined);
  return valid.length === 0 ? undefined : verifyRecord(key, valid[selectNewest(key, valid)]);
}

/** Providers kad-dht's findProviders counts before it stops (its routing table's kBucketSize). */
const SHARD_FULL = 20;

/**
 * Answers of other nodes a shard's query waits for before it stops (docs/agents.md, "Discovery
 * (DHT)"). A provide stores the provider on the 20 nodes closest to the shard's key, which a query
 * asks first, so the first answers list every provider of the shard (or none when it has none).
 */
export const SHARD_QUORUM = 3;

/**
 * Finds the providers of one shard's key, calls `onProvider` for each, and returns how many it
 * found. Every answer's whole provider list is read (PEER_RESPONSE), not only the ones
 * findProviders passes on (PROVIDER), so an answer listing more than 20 is not cut. The query
 * stops once `quorum` other nodes have answered, or when findProviders ends (at 20 providers).
 */
async function findShard(
  node: CommunityNode,
  key: CID,
  signal: AbortSignal,
  quorum: number,
  onProvider: (agentId: string) => void,
): Promise<number> {
  const found = new Set<string>();
  const self = node.libp2p.peerId;
  let answers = 0;
  try {
    for await (const event of node.libp2p.services.dht.findProviders(key, { signal })) {
      if (event.name !== 'PEER_RESPONSE' && event.name !== 'PROVIDER') continue;
      for (const p of event.providers) {
        found.add(p.id.toString());
        onProvider(p.id.toString());
      }
      // Leaving the loop ends kad-dht's query and aborts its requests still running.
      if (event.name === 'PEER_RESPONSE' && !event.from.equals(self) && ++answers >= quorum) break;
    }
  } catch {
    // The budget ran out: the providers found so far.
  }
  return found.size;
}

/**
 * Finds the interval's records of the community from this node and checks them, counting the
 * verdicts: every shard's providers are asked at once, and each provider's record is looked up
 * and judged as soon as the provider is known, all within one budget.
 */
export async function discover(node: CommunityNode, options: DiscoveryOptions): Promise<Discovery> {
  const balance = options.balance ?? 'surplus';
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const metrics = node.metrics;
  metrics.add('lookups');
  const result: Discovery = { accepted: [], providers: 0, fullShards: 0, missing: 0, forged: {}, stale: {}, unchecked: 0 };
  const checks = new Map<string, Promise<void>>();
  const check = async (agentId: string): Promise<void> => {
    const key = recordKey(node.communityId, options.intervalStart, agentId);
    const record = await lookupRecord(node, key, { signal, quorum: options.quorum });
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
  };
  const onProvider = (agentId: string): void => {
    if (checks.has(agentId)) return;
    const checked = check(agentId);
    // Awaited below, once every shard has answered; until then a failure must not count as unhandled.
    checked.catch(() => undefined);
    checks.set(agentId, checked);
  };
  const shards = Array.from({ length: INTERVAL_SHARDS }, (_, shard) => shard);
  const counts = await Promise.all(
    shards.map(async (shard) =>
      findShard(
        node,
        await intervalKey(node.communityId, options.intervalStart, balance, shard),
        signal,
        options.shardQuorum ?? SHARD_QUORUM,
        onProvider,
      ),
    ),
  );
  result.fullShards = counts.filter((count) => count >= SHARD_FULL).length;
  result.providers = checks.size;
  await Promise.all(checks.values());
  result.accepted.sort((a, b) => compareIds(a.agentId, b.agentId));
  return result;
}
