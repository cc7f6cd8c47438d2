/**
 * Waiting without timing: the DHT tests assert what is found, never how fast. On a loaded machine a
 * query can run out of its budget or a request time out, so an attempt is repeated until its result
 * is complete (or the generous cap has passed), and the assertions are made on that result. The
 * cap is no speed limit: it only turns "never" into a failure that shows the last attempt.
 */
import type { KadDHT, SingleKadDHT } from '@libp2p/kad-dht';
import { publishRecord, type CommunityNode, type Publication, type SurplusRecord } from '../../src/dht/index.js';

/** Overall cap of one `until` (ms): far above what a quiet machine needs (a few seconds). */
export const CAP_MS = 240_000;
/** Jest's timeout for a test with a few `until`s in it. */
export const TEST_MS = 900_000;

/**
 * Runs `attempt` until `complete` holds for its result or `capMs` has passed; every result, the last
 * one last (the caller asserts on it, so a cap that ran out fails the test with what was found).
 */
export async function until<T>(attempt: () => Promise<T>, complete: (result: T) => boolean, capMs = CAP_MS): Promise<T[]> {
  const end = Date.now() + capMs;
  const results: T[] = [];
  for (;;) {
    const result = await attempt();
    results.push(result);
    if (complete(result) || Date.now() >= end) return results;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Waits until `condition()` holds, checking every 200 ms, for at most `capMs`; whether it held. */
export async function waitFor(condition: () => boolean, capMs = CAP_MS): Promise<boolean> {
  const end = Date.now() + capMs;
  while (!condition()) {
    if (Date.now() >= end) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return true;
}

/**
 * Publishes `record` from `node` again until at least `atLeast` other nodes stored the record and
 * took the provider entry (a query of a loaded machine can reach fewer); the last publication.
 * Each attempt runs to its end: kad-dht's requests have timeouts of their own.
 */
export async function publishWidely(node: CommunityNode, record: SurplusRecord, atLeast: number): Promise<Publication> {
  const seen: string[] = [];
  const tries = await until(
    () =>
      publishRecord(node, record).then(
        (p) => {
          seen.push(`${p.stored}/${p.announced}`);
          return p;
        },
        (e: unknown): Publication => {
          seen.push(String(e));
          return { stored: 0, announced: 0 };
        },
      ),
    (p) => p.stored >= atLeast && p.announced >= atLeast,
  );
  const last = tries[tries.length - 1];
  if (last.stored < atLeast || last.announced < atLeast) {
    const table = routingTableSize(node);
    throw new Error(
      `record of ${record.meterId} not stored and announced on ${atLeast} nodes: ${seen.join(', ')} (routing table ${table})`,
    );
  }
  return last;
}

/** The DHT routing tables' sizes are the only readiness the tests wait for (the node's kad-dht is a SingleKadDHT). */
export function routingTableSize(node: { libp2p: { services: { dht: KadDHT } } }): number {
  return (node.libp2p.services.dht as SingleKadDHT).routingTable.size;
}
