/**
 * Shards of a community's interval key (docs/agents.md, "Discovery (DHT)"). kad-dht's
 * findProviders stops once it has counted 20 providers (its `kBucketSize`), so the sellers of an
 * interval are spread over INTERVAL_SHARDS keys, each agent always in the same one, and a buyer
 * asks every shard at once. Pure: the shard is a function of the agent id alone.
 */
import { createHash } from 'node:crypto';

/**
 * Shards of each interval key. With N agents of one balance a shard holds N / 32 on average; the
 * chance that some shard reaches 20 (where findProviders may stop early) is about 1e-9 at 100
 * agents, 2e-4 at 200 and 5 % at 300 (the binomial tail, docs/agents.md). Publishers and buyers
 * must agree on it: changing it is a change of the community's protocol.
 */
export const INTERVAL_SHARDS = 32;

/** The shard of an agent: the first four bytes of sha256(agentId), big-endian, modulo `shards`. */
export function shardOf(agentId: string, shards: number = INTERVAL_SHARDS): number {
  if (!Number.isSafeInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, not ${shards}`);
  return createHash('sha256').update(agentId, 'utf8').digest().readUInt32BE(0) % shards;
}
