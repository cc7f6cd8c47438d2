/**
 * The rolling archive of a meter's readings (docs/bounded-state.md, "The rolling archive"): a
 * reading's record leaves the world state in the write set of the same meter's reading one horizon
 * later, and the meter's head commits to every record the meter's transactions ever wrote.
 *
 * - The rolled-out interval of a reading of interval t recorded at `now` is the interval on the
 *   grid that starts `max(lateWindowSeconds, archiveAfterSeconds) + 1 h` before min(t, now): its
 *   hour is then archivable (hourArchivable) at `now`, the same bound the hour archive keeps, so no
 *   path of the state needs it any more. The delete is one more write in a transaction the
 *   reading pays for anyway (the chaincode reads the record first: it names the private chunk).
 * - The meter's chain: every transaction that writes records of a meter rewrites its head with
 *   `chain = { root, txId, prevTxId }`: root = the previous head's root folded with the leaves
 *   (archiveLeaf: key and bytes) of the meter's records in that write set, in key order (the order
 *   Fabric keeps a write set in), each step sha256(0x03 ‖ root ‖ leaf); txId is the writing
 *   transaction, prevTxId the one that wrote the head before (empty for the first). A verifier walks
 *   the block store from the head's txId back through prevTxId and recomputes the roots.
 */
import { createHash } from 'node:crypto';
import { archiveLeaf } from './archive';
import type { MeteringParams } from './params';

/** The chain a meter's head carries. */
export interface MeterChain {
  /** Hex of the fold over every record the meter's transactions wrote, up to this head. */
  root: string;
  /** The transaction that wrote this head. */
  txId: string;
  /** The transaction that wrote the head before; '' for the meter's first head with a chain. */
  prevTxId: string;
}

/** The root before any record: 32 zero bytes. */
export const CHAIN_START = '0'.repeat(64);

/** The root after the records `entries` (key and bytes as written), taken in key order. */
export function extendChain(root: string, entries: readonly { key: string; value: Uint8Array }[]): string {
  let node = Buffer.from(root, 'hex');
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const e of sorted) node = createHash('sha256').update(Uint8Array.of(3)).update(node).update(archiveLeaf(e.key, e.value)).digest();
  return node.toString('hex');
}

/** A head as stored: the latest reading's record and the chain; `record` has no `chain`. */
export function splitHead<T extends object>(head: T & { chain?: MeterChain }): { record: T; chain: MeterChain | undefined } {
  const { chain, ...record } = head;
  return { record: record as T, chain };
}

/**
 * The start (epoch seconds) of the interval whose record a reading of `intervalStart` rolls out of
 * the state when recorded at `nowSeconds`: on the grid of intervalSeconds, at least
 * max(late window, archiveAfterSeconds) + 1 h before the earlier of the two.
 */
export function rolledOutStart(
  intervalStart: number,
  nowSeconds: number,
  p: Pick<MeteringParams, 'intervalSeconds' | 'lateWindowSeconds' | 'archiveAfterSeconds'>,
): number {
  const bound = Math.min(intervalStart, nowSeconds) - 3600 - Math.max(p.lateWindowSeconds, p.archiveAfterSeconds);
  return Math.floor(bound / p.intervalSeconds) * p.intervalSeconds;
}
