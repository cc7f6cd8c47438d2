/**
 * npm run audit -- readings-archive --hour <YYYY-MM-DDTHH[:00:00Z]> [--root <hex>] [--signed <file>] [--org regulator] [--user <id>]
 *   [--state .gridledger]
 *
 * The verifier's walk of an archived hour of readings (docs/bounded-state.md, "The verifier's
 * walk"), on the Fabric network itself (not through a gateway: the block store is read with qscc),
 * with an identity of the organization's wallet in the state directory (by default its first one
 * with a role; any role may read an hour's record). Reads the hour's record (count, pages, root,
 * lastTxId), walks the pages back from lastTxId through each event's prevTxId with qscc
 * GetTransactionByID, fetches each record's transaction the same way and takes its bytes from that
 * transaction's write set, then recomputes the leaves, the page roots and the chain (core
 * auditArchivedHour). --root: a root the verifier already holds, which the hour's record must name.
 * --signed: signed readings a household or the operator kept, each checked against its proven
 * record and its meter's key (audit-signatures.ts); exit 1 unless every one is VERIFIED.
 * Prints JSON; exit 0 when the hour holds, 1 with the findings when it does not, 2 on an error.
 */
import { parseArgs } from 'node:util';
import {
  auditArchivedHour,
  type ArchiveAuditInput,
  parseReadingHour,
  type ArchivedRecordFound,
  type ArchivePageFound,
  type ReadingHourArchive,
  type ReadingHourArchivedEvent,
} from '@gridledger/core';
import {
  ledgerClient,
  loadProfile,
  PROCESS_VARIABLES,
  readConfig,
  storedTransaction,
  type LedgerClient,
  type NetworkProfile,
  type OrgName,
  type StoredTransaction,
} from '@gridledger/network';
import { print } from './audit-gateway';
import { signaturesPart } from './audit-signatures';

/** Transactions fetched at once from the peer. */
const FETCH_BATCH = 16;

export async function auditReadingsArchive(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hour: { type: 'string' },
      root: { type: 'string' },
      org: { type: 'string' },
      user: { type: 'string' },
      state: { type: 'string' },
      signed: { type: 'string' },
    },
  });
  const hour = values.hour?.replace(/:00(:00(\.000)?)?Z$/, '');
  if (hour === undefined || parseReadingHour(hour) === undefined)
    throw new Error("name --hour YYYY-MM-DDTHH (UTC), or the hour's start as an instant");
  const { profile, client } = walletClient(values);
  try {
    const { input, transactionsRead } = await gatherArchivedHour(client, profile, hour);
    const report = auditArchivedHour({ ...input, ...(values.root !== undefined ? { expectedRoot: values.root } : {}) });
    const proven = input.records.flatMap((r) => (r.valid && r.value !== undefined ? [{ txId: r.txId, value: r.value }] : []));
    const { signatures, verified } = await signaturesPart(client, values.signed, proven);
    await print({ check: 'readings-archive', ...report, transactionsRead, signatures });
    if (!report.holds) process.stderr.write(`audit: readings-archive of ${hour} FAILED: ${report.findings.length} finding(s)\n`);
    if (!verified) process.stderr.write(`audit: readings-archive of ${hour}: not every signed reading verified\n`);
    return report.holds && verified ? 0 : 1;
  } finally {
    client.close();
  }
}

/** A client of the network with an identity of the organization's wallet: `--org` (regulator), `--user` (its first with a role). */
export function walletClient(values: { org?: string; user?: string; state?: string }): { profile: NetworkProfile; client: LedgerClient } {
  const profile = loadProfile(values.state ?? readConfig(PROCESS_VARIABLES.tools).GRIDLEDGER_STATE ?? '.gridledger');
  const org = (values.org ?? 'regulator') as OrgName;
  const users = profile.orgs[org].users;
  const user = values.user !== undefined ? users[values.user] : Object.values(users).find((u) => u.role !== undefined);
  if (user === undefined) throw new Error(`no identity ${values.user ?? 'with a role'} in the ${org} wallet`);
  return { profile, client: ledgerClient(profile, org, user) };
}

/** What the check needs, from the chaincode (the hour's record) and the peer's block store (qscc); how many transactions were read. */
export async function gatherArchivedHour(
  client: LedgerClient,
  profile: NetworkProfile,
  hour: string,
): Promise<{ input: ArchiveAuditInput; transactionsRead: number }> {
  const archive = JSON.parse(await client.evaluate('metering:getReadingHourArchive', hour)) as ReadingHourArchive;
  let transactionsRead = 0;
  const fetch: Fetch = (txId) => (transactionsRead++, storedTransaction(client.gateway, profile.channel, txId));
  const pages = await walkPages(archive, fetch, profile.chaincode);
  const records = await recordsOf(pages, fetch, profile.chaincode);
  return { input: { archive, pages, records }, transactionsRead };
}

type Fetch = (txId: string) => Promise<StoredTransaction | undefined>;

/** The pages from lastTxId back through each prevTxId, first page first; stops at a transaction the peer does not have. */
async function walkPages(archive: ReadingHourArchive, fetch: Fetch, chaincode: string): Promise<ArchivePageFound[]> {
  const pages: ArchivePageFound[] = [];
  const seen = new Set<string>();
  for (let txId = archive.lastTxId; txId !== '' && !seen.has(txId) && pages.length <= archive.pages;) {
    seen.add(txId);
    const tx = await fetch(txId);
    if (tx === undefined) break;
    const found = tx.events.find((e) => e.chaincodeId === chaincode && e.name === 'ReadingHourArchived');
    const event = found === undefined ? undefined : (JSON.parse(Buffer.from(found.payload).toString('utf8')) as ReadingHourArchivedEvent);
    const deletedKeys = tx.writes.filter((w) => w.namespace === chaincode && w.isDelete).map((w) => w.key);
    pages.push({ txId, valid: tx.validationCode === 0, deletedKeys, ...(event !== undefined ? { event } : {}) });
    txId = event?.prevTxId ?? '';
  }
  return pages.reverse();
}

/** Each listed record's bytes from the write set of the transaction its page names (each transaction fetched once). */
async function recordsOf(pages: ArchivePageFound[], fetch: Fetch, chaincode: string): Promise<ArchivedRecordFound[]> {
  const wanted = new Map<string, string[]>();
  for (const r of pages.flatMap((p) => p.event?.records ?? [])) wanted.set(r.txId, [...(wanted.get(r.txId) ?? []), r.key]);
  const txIds = [...wanted.keys()];
  const records: ArchivedRecordFound[] = [];
  for (let at = 0; at < txIds.length; at += FETCH_BATCH) {
    const batch = txIds.slice(at, at + FETCH_BATCH);
    const txs = await Promise.all(batch.map(fetch));
    batch.forEach((txId, i) => {
      const tx = txs[i];
      for (const key of wanted.get(txId)!) {
        const write = tx?.writes.find((w) => w.namespace === chaincode && w.key === key && !w.isDelete);
        records.push({ txId, key, valid: tx?.validationCode === 0, ...(write !== undefined ? { value: write.value } : {}) });
      }
    });
  }
  return records;
}
