/**
 * npm run audit -- readings-chain --meter <id> [--depth <transactions>] [--interval <instant>] [--signed <file>]
 *   [--org regulator] [--user <id>] [--state .gridledger]
 *
 * The verifier's walk of a meter's rolling archive (docs/bounded-state.md, "The rolling archive"),
 * on the Fabric network itself like readings-archive (audit-archive.ts): reads the meter's chain
 * (metering:getMeterChain), walks its heads back through the block store with qscc
 * GetTransactionByID from the head's transaction through each prevTxId, takes from each the
 * meter's head and reading records it wrote and the records it deleted, and recomputes every root
 * (core auditMeterChain). --depth bounds the walk (default 1,000 transactions); --interval walks
 * until the transaction that last wrote that interval's record, and one more (the root before it),
 * so that the record is proven whether or not it is still in the state. --signed: as readings-archive
 * (audit-signatures.ts), against the records the walk proved. Prints JSON; exit 0 when
 * the chain holds, 1 with the findings when it does not, 2 on an error.
 */
import { parseArgs } from 'node:util';
import { auditMeterChain, type ChainTransactionFound, type MeterChain, parseInstant, readingKeyMeter } from '@gridledger/core';
import { storedTransaction } from '@gridledger/network';
import { walletClient } from './audit-archive';
import { print } from './audit-gateway';
import { signaturesPart } from './audit-signatures';

const DEFAULT_DEPTH = 1000;

export async function auditReadingsChain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      meter: { type: 'string' },
      depth: { type: 'string' },
      interval: { type: 'string' },
      org: { type: 'string' },
      user: { type: 'string' },
      state: { type: 'string' },
      signed: { type: 'string' },
    },
  });
  const meterId = values.meter;
  if (meterId === undefined || meterId === '') throw new Error('name --meter <id>');
  const depth = values.depth === undefined ? DEFAULT_DEPTH : Number(values.depth);
  if (!Number.isSafeInteger(depth) || depth < 1) throw new Error('--depth is a whole number of transactions, at least 1');
  if (values.interval !== undefined && parseInstant(values.interval) === undefined)
    throw new Error('--interval is an instant, such as 2026-11-21T10:15:00Z');
  const { profile, client } = walletClient(values);
  try {
    const head = JSON.parse(await client.evaluate('metering:getMeterChain', meterId)) as {
      chain: MeterChain | null;
      intervalStart: string | null;
    };
    if (head.chain === null) throw new Error(`meter ${meterId} has no chain: no reading since the chain began`);
    const transactions = await walkChain(
      meterId,
      head.chain,
      depth,
      values.interval,
      (txId) => storedTransaction(client.gateway, profile.channel, txId),
      profile.chaincode,
    );
    const report = auditMeterChain({ meterId, chain: head.chain, transactions });
    const wanted =
      values.interval === undefined ? undefined : report.records.filter((r) => r.key.endsWith(`\u0000${values.interval}\u0000`)).at(-1);
    const provenIn = new Set(report.records.map((r) => `${r.txId}\u0000${r.key}`));
    const proven = transactions.flatMap((tx) =>
      tx.records.filter((r) => provenIn.has(`${tx.txId}\u0000${r.key}`)).map((r) => ({ txId: tx.txId, value: r.value })),
    );
    // Oldest first, so that a rewritten interval is checked against its last record.
    proven.reverse();
    const { signatures, verified } = await signaturesPart(client, values.signed, proven);
    await print({
      check: 'readings-chain',
      ...report,
      ...(values.interval !== undefined ? { interval: values.interval, recordedIn: wanted?.txId ?? null } : {}),
      signatures,
    });
    if (!report.holds) process.stderr.write(`audit: readings-chain of ${meterId} FAILED: ${report.findings.length} finding(s)\n`);
    if (values.interval !== undefined && wanted === undefined)
      process.stderr.write(`audit: no record of ${values.interval} within ${report.transactionsWalked} transactions\n`);
    if (!verified) process.stderr.write(`audit: readings-chain of ${meterId}: not every signed reading verified\n`);
    return report.holds && verified && (values.interval === undefined || wanted !== undefined) ? 0 : 1;
  } finally {
    client.close();
  }
}

/**
 * The transactions from the head's back through each prevTxId, newest first: at most `depth`, and
 * with `interval` until one past the newest that wrote its record. Stops at one the peer does not have.
 */
export async function walkChain(
  meterId: string,
  chain: MeterChain,
  depth: number,
  interval: string | undefined,
  fetch: (txId: string) => ReturnType<typeof storedTransaction>,
  chaincode: string,
): Promise<ChainTransactionFound[]> {
  const headKey = `\u0000readingHead\u0000${meterId}\u0000`;
  const out: ChainTransactionFound[] = [];
  let foundInterval = false;
  for (let txId = chain.txId; txId !== '' && out.length < depth;) {
    const tx = await fetch(txId);
    if (tx === undefined) {
      out.push({ txId, found: false, valid: false, records: [], deleted: [] });
      break;
    }
    const own = tx.writes.filter((w) => w.namespace === chaincode);
    const headWrite = own.find((w) => w.key === headKey && !w.isDelete);
    const mine = own.filter((w) => readingKeyMeter(w.key) === meterId);
    const head =
      headWrite === undefined ? undefined : (JSON.parse(Buffer.from(headWrite.value).toString('utf8')) as ChainTransactionFound['head']);
    out.push({
      txId,
      found: true,
      valid: tx.validationCode === 0,
      ...(head !== undefined ? { head } : {}),
      records: mine.filter((w) => !w.isDelete).map((w) => ({ key: w.key, value: w.value })),
      deleted: mine.filter((w) => w.isDelete).map((w) => w.key),
    });
    // With --interval: the transaction that wrote it, then the one before (its root is where the proof starts).
    if (foundInterval) break;
    foundInterval = interval !== undefined && mine.some((w) => !w.isDelete && w.key.endsWith(`\u0000${interval}\u0000`));
    txId = head?.chain?.prevTxId ?? '';
  }
  return out;
}
