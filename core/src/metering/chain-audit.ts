/**
 * The verifier's check of a meter's rolling archive (docs/bounded-state.md, "The rolling
 * archive"): given the meter's chain as the state holds it and the transactions its heads link
 * (newest first, each as the block store holds it: the meter's head and records it wrote, the
 * records it deleted), recompute every root and compare. Pure: the shell
 * (gateway-api/src/audit-chain.ts) fetches the transactions with qscc.
 *
 * The walk proves every record the walked transactions wrote: the newest root is in the state, and
 * each root folds the one before with that transaction's records. It may stop early (a depth); the
 * oldest transaction walked then only anchors the root before it, and is not itself checked.
 */
import { CHAIN_START, extendChain, type MeterChain } from './meter-chain';
import { readingKeyHour } from './archive-audit';

/** One transaction of the walk, as the block store holds it. */
export interface ChainTransactionFound {
  txId: string;
  /** False when the peer has no transaction of that id. */
  found: boolean;
  /** Committed as valid: only then do its writes count. */
  valid: boolean;
  /** The meter's head as the transaction wrote it; undefined when it wrote none. */
  head?: { intervalStart?: string; chain?: MeterChain };
  /** The meter's reading records the transaction wrote (key and bytes). */
  records: { key: string; value: Uint8Array }[];
  /** The meter's reading records the transaction deleted (the rolling archive, or an hour archive's page). */
  deleted: string[];
}

export interface ChainAuditInput {
  meterId: string;
  /** The chain the meter's head carries in the state (metering:getMeterChain). */
  chain: MeterChain;
  /** From chain.txId back through each head's prevTxId, newest first. */
  transactions: ChainTransactionFound[];
}

export const ChainFindingCodes = {
  /** A transaction the chain names is not in the block store. */
  TRANSACTION_MISSING: 'TRANSACTION_MISSING',
  /** A transaction the walk relies on was not committed as valid. */
  TRANSACTION_INVALID: 'TRANSACTION_INVALID',
  /** The transaction wrote no head of the meter, or one whose chain does not name it. */
  HEAD_MISMATCH: 'HEAD_MISMATCH',
  /** The transactions are not the ones the heads link (a prevTxId leads elsewhere). */
  LINK_MISMATCH: 'LINK_MISMATCH',
  /** A root is not the one before folded with the transaction's records (or the state's not the newest head's). */
  ROOT_MISMATCH: 'ROOT_MISMATCH',
} as const;
export type ChainFindingCode = keyof typeof ChainFindingCodes;

export interface ChainFinding {
  code: ChainFindingCode;
  txId: string;
  message: string;
}

export interface ChainAuditReport {
  meterId: string;
  root: string;
  transactionsWalked: number;
  /** True when the walk reached the meter's first head with a chain: every record since the chain began is proven. */
  reachedStart: boolean;
  /** The records proven, oldest transaction first: key and the transaction whose write set holds the bytes. */
  records: { key: string; txId: string }[];
  /** Records the walked transactions deleted: they left the state, their bytes are among `records` or older. */
  deleted: { key: string; txId: string }[];
  findings: ChainFinding[];
  holds: boolean;
}

/** The meter part of a reading's composite key (\0!reading\0hour\0meter\0intervalStart\0), or undefined. */
export function readingKeyMeter(key: string): string | undefined {
  return readingKeyHour(key) === undefined ? undefined : key.split('\u0000')[3];
}

/** Recomputes the meter's chain over the walked transactions and names every failure. */
export function auditMeterChain(input: ChainAuditInput): ChainAuditReport {
  const { chain, transactions: txs } = input;
  const findings: ChainFinding[] = [];
  const add = (code: ChainFindingCode, txId: string, message: string) => findings.push({ code, txId, message });
  const last = txs.at(-1);
  const reachedStart = last !== undefined && last.found && last.head?.chain?.prevTxId === '';
  if (txs[0]?.txId !== chain.txId) add('LINK_MISMATCH', chain.txId, 'the walk does not start at the transaction that wrote the head');
  const proven: { key: string; txId: string }[][] = [];
  const deleted: { key: string; txId: string }[] = [];
  txs.forEach((tx, i) => {
    if (!tx.found) return add('TRANSACTION_MISSING', tx.txId, 'not in the block store');
    if (!tx.valid) add('TRANSACTION_INVALID', tx.txId, 'not committed as valid: its writes never applied');
    const own = tx.head?.chain;
    if (own === undefined || own.txId !== tx.txId)
      return add('HEAD_MISMATCH', tx.txId, 'no head of the meter whose chain names this transaction');
    if (i === 0 && (own.root !== chain.root || own.prevTxId !== chain.prevTxId))
      add('ROOT_MISMATCH', tx.txId, 'the head in the state is not the head this transaction wrote');
    const older = txs[i + 1];
    if (older !== undefined && older.txId !== own.prevTxId)
      add('LINK_MISMATCH', tx.txId, `names ${own.prevTxId} before it, not ${older.txId}`);
    for (const key of tx.deleted) deleted.push({ key, txId: tx.txId });
    // The oldest transaction of a walk stopped early only anchors the root before the next one.
    const before = own.prevTxId === '' ? CHAIN_START : older?.found ? older.head?.chain?.root : undefined;
    if (before === undefined) return;
    if (extendChain(before, tx.records) !== own.root)
      add('ROOT_MISMATCH', tx.txId, "the root is not the one before folded with this transaction's records");
    proven.push([...tx.records].sort((a, b) => (a.key < b.key ? -1 : 1)).map((r) => ({ key: r.key, txId: tx.txId })));
  });
  return {
    meterId: input.meterId,
    root: chain.root,
    transactionsWalked: txs.length,
    reachedStart,
    records: proven.reverse().flat(),
    deleted: deleted.reverse(),
    findings,
    holds: findings.length === 0,
  };
}
